// A page size as a LIMIT parameter: PostgreSQL's LIMIT is a signed bigint, and a negative one is an error
// (where SQLite reads it as no limit), so a size_t past its range is clamped, never wrapped.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace synclatch::server {

inline std::int64_t pg_limit(std::size_t limit) {
    constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(std::min(limit, kMax));
}

}  // namespace synclatch::server
