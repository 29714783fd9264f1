// Splitting a request target into decoded path segments and query parameters. Every segment and parameter
// is percent-decoded once (clients encode ':' as %3A); malformed escapes, NUL bytes and "."/".." segments
// are refused so that no decoded segment can step outside its place in a route.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

struct RequestTarget {
    std::string raw_path;                      // as sent (still encoded), for signature checks
    std::string raw_query;                     // as sent, without '?'
    std::vector<std::string> segments;         // decoded, empty segments dropped
    std::map<std::string, std::string> query;  // decoded; a repeated name keeps its first value

    std::optional<std::string_view> param(const std::string& name) const {
        auto it = query.find(name);
        if (it == query.end()) return std::nullopt;
        return std::string_view(it->second);
    }
    // An optional integer parameter in [0, max]: fallback when absent, invalid_argument when malformed.
    Result<std::int64_t> integer_param(const std::string& name, std::int64_t fallback,
                                       std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
};

Result<RequestTarget> parse_target(std::string_view target);
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace synclatch::server
