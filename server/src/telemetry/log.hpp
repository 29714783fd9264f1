// A minimal leveled logger to stderr. synclatch-server logs a few lines per lifecycle event, not per request
// (metrics count requests), so a line printer is all it needs; no dependency is pulled in for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>

namespace synclatch::server {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(std::string_view level);
void log(LogLevel level, std::string_view message);

// A line that an attacker (or a failing disk) could make the server repeat thousands of times a second:
// written at most once per interval, with a count of the repeats it held back.
// Thread-safety: log() from any thread.
class ThrottledLog {
  public:
    explicit ThrottledLog(std::chrono::milliseconds interval = std::chrono::seconds(10))
        : interval_(interval) {}
    void log(LogLevel level, std::string_view message);

  private:
    const std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};  // guarded by mutex_
    bool logged_ = false;                           // guarded by mutex_
    std::size_t held_back_ = 0;                     // guarded by mutex_
};

}  // namespace synclatch::server
