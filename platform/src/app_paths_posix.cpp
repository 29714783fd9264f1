// app_data_dir and device_id on POSIX systems (Linux, macOS): the XDG or Apple data directory, and the
// device-id file written with temp file + fsync + rename under an flock() of the data directory, so racing
// threads and processes agree on one id.
#include <fcntl.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "synclatch/platform/app_paths.hpp"

namespace synclatch::platform {

namespace {

Status os_error(const std::string& what, int error) {
    return {Errc::storage, what + ": " + std::strerror(error)};
}

class UniqueFd {
  public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

Result<std::string> home_dir() {
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home);
    std::vector<char> scratch(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &entry, scratch.data(), scratch.size(), &found) == 0 && found &&
        found->pw_dir && *found->pw_dir) {
        return std::string(found->pw_dir);
    }
    return Status{Errc::storage,
                  "app data directory: no HOME and no home directory in the user's passwd entry"};
}

// mkdir -p with mode 0700 for what it creates (the XDG base directory spec asks for 0700).
Status make_directories(const std::string& path) {
    for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        const std::string prefix = path.substr(0, slash);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
            return os_error("cannot create directory '" + prefix + "'", errno);
        }
        if (slash == std::string::npos) break;
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return os_error("cannot create directory '" + path + "'", errno);
    if (!S_ISDIR(info.st_mode)) return {Errc::storage, "'" + path + "' exists and is not a directory"};
    return {};
}

// A UUID in 8-4-4-4-12 hex form, lower-cased; nullopt for anything else (a corrupt file).
std::optional<std::string> parse_uuid(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    if (text.size() != 36) return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        const auto c = static_cast<unsigned char>(text[i]);
        if (dash_position ? c != '-' : !std::isxdigit(c)) return std::nullopt;
        text[i] = static_cast<char>(std::tolower(c));
    }
    return text;
}

Result<std::string> random_uuid_v4() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return Status{Errc::internal, "device id: the random generator failed"};
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
    }
    return out;
}

// The id in the file; nullopt when the file is missing or does not hold a UUID.
Result<std::optional<std::string>> read_id(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        return os_error("device id: cannot open '" + path + "'", errno);
    }
    std::array<char, 64> buffer{};
    std::size_t size = 0;
    while (size < buffer.size()) {
        const auto n = ::read(fd.get(), buffer.data() + size, buffer.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error("device id: cannot read '" + path + "'", errno);
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    return parse_uuid(std::string(buffer.data(), size));
}

Status write_file_durably(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return os_error("device id: cannot create '" + path + "'", errno);
    for (std::size_t done = 0; done < content.size();) {
        const auto n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error("device id: cannot write '" + path + "'", errno);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return os_error("device id: cannot sync '" + path + "'", errno);
    return {};
}

}  // namespace

Result<std::string> app_data_dir(std::string_view app_id) {
    if (app_id.empty() || app_id == "." || app_id == ".." || app_id.find('/') != std::string_view::npos ||
        app_id.find('\0') != std::string_view::npos) {
        return Status{Errc::invalid_argument, "app id '" + std::string(app_id) +
                                                  "' must be non-empty, without '/', and not '.' or '..'"};
    }
    std::string base;
#ifdef __APPLE__
    auto home = home_dir();
    if (!home) return home.status();
    base = *home + "/Library/Application Support";
#else
    // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && xdg[0] == '/') {
        base = xdg;
    } else {
        auto home = home_dir();
        if (!home) return home.status();
        base = *home + "/.local/share";
    }
#endif
    while (base.size() > 1 && base.back() == '/')
        base.pop_back();
    std::string dir = base + "/" + std::string(app_id);
    if (auto made = make_directories(dir); !made) return made;
    return dir;
}

Result<std::string> device_id(const std::string& data_dir) {
    const std::string path = data_dir + "/device-id";
    auto existing = read_id(path);  // the usual case: no lock needed, rename makes the file appear whole
    if (!existing) return existing.status();
    if (*existing) return **existing;

    // First run, or a corrupt file: one writer at a time. flock() locks an open file description, so it
    // excludes other threads of this process (each opens its own) as well as other processes.
    UniqueFd dir(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return os_error("device id: cannot open '" + data_dir + "'", errno);
    while (::flock(dir.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return os_error("device id: cannot lock '" + data_dir + "'", errno);
    }
    existing = read_id(path);  // another writer may have finished while we waited
    if (!existing) return existing.status();
    if (*existing) return **existing;

    auto id = random_uuid_v4();
    if (!id) return id;
    const std::string temp = path + ".tmp";
    if (auto written = write_file_durably(temp, *id + "\n"); !written) return written;
    if (::rename(temp.c_str(), path.c_str()) != 0)
        return os_error("device id: cannot rename to '" + path + "'", errno);
    ::fsync(dir.get());  // makes the rename durable; a failure here loses nothing yet
    existing = read_id(path);
    if (!existing) return existing.status();
    if (!*existing) return Status{Errc::storage, "device id: '" + path + "' does not read back"};
    return **existing;  // the lock is released when `dir` closes
}

}  // namespace synclatch::platform
