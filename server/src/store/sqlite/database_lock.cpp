#include "store/sqlite/database_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace synclatch::server {

Result<DatabaseLock> DatabaseLock::acquire(const std::string& database_path) {
    const std::string path = database_path + ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status{Errc::storage, "cannot open " + path + ": " + std::strerror(errno)};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK)
            return Status{Errc::conflict, database_path + " is open in another synclatch-server (it holds " +
                                              path +
                                              "); a database is one server's: give each its own --data"};
        return Status{Errc::storage, "cannot lock " + path + ": " + std::strerror(error)};
    }
    return DatabaseLock(fd);
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DatabaseLock& DatabaseLock::operator=(DatabaseLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

DatabaseLock::~DatabaseLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace synclatch::server
