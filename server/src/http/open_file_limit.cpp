// setrlimit(RLIMIT_NOFILE) at start.
#include "http/open_file_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "telemetry/log.hpp"

namespace synclatch::server {

std::size_t raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        log(LogLevel::warn, std::string("cannot read the open-file limit: ") + std::strerror(errno));
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            log(LogLevel::warn, "cannot raise the open-file limit from " + std::to_string(before) + ": " +
                                    std::strerror(errno));
            limit.rlim_cur = before;
        } else {
            log(LogLevel::info, "open-file limit raised from " + std::to_string(before) + " to " +
                                    std::to_string(limit.rlim_cur));
        }
    }
    return limit.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(-1)
                                           : static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace synclatch::server
