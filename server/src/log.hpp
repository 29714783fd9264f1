// A minimal leveled logger to stderr. synclatch-server logs a few lines per lifecycle event, not per request
// (metrics count requests), so a line printer is all it needs; no dependency is pulled in for it.
#pragma once

#include <string_view>

namespace synclatch::server {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(std::string_view level);
void log(LogLevel level, std::string_view message);

}  // namespace synclatch::server
