// DatabaseLock: what makes a database file one server's. SqliteStorage keeps in memory what only it
// writes (caches, the deployment clock), so a second server on the same file would act on stale state:
// it is refused at start instead. An flock(2) on "<database>.lock", held while the storage is open and
// released by the kernel when the process ends, however it ends (a kill -9 leaves no stale lock).
#pragma once

#include <string>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

class DatabaseLock {
  public:
    // conflict when another open storage holds it (in this process or another one).
    static Result<DatabaseLock> acquire(const std::string& database_path);
    DatabaseLock(DatabaseLock&& other) noexcept;
    DatabaseLock& operator=(DatabaseLock&& other) noexcept;
    DatabaseLock(const DatabaseLock&) = delete;
    DatabaseLock& operator=(const DatabaseLock&) = delete;
    ~DatabaseLock();

  private:
    explicit DatabaseLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace synclatch::server
