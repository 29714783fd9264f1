// Timestamped log lines; one fwrite per line so lines from several threads do not interleave.
#include "telemetry/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

namespace synclatch::server {

namespace {
std::atomic<int> threshold{static_cast<int>(LogLevel::info)};
constexpr const char* kNames[] = {"error", "warn", "info", "debug"};
}  // namespace

void set_log_level(std::string_view level) {
    for (int i = 0; i < 4; ++i) {
        if (level == kNames[i]) threshold = i;
    }
}

void log(LogLevel level, std::string_view message) {
    if (static_cast<int>(level) > threshold.load()) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::string line =
        std::string(stamp) + " " + kNames[static_cast<int>(level)] + " " + std::string(message) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
}

void ThrottledLog::log(LogLevel level, std::string_view message) {
    std::size_t held_back = 0;
    {
        std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (logged_ && now - last_ < interval_) {
            ++held_back_;
            return;
        }
        logged_ = true;
        last_ = now;
        held_back = std::exchange(held_back_, 0);
    }
    if (held_back == 0) return server::log(level, message);
    server::log(level, std::string(message) + " (and " + std::to_string(held_back) + " more like it since)");
}

}  // namespace synclatch::server
