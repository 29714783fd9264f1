// The wait before retrying a failed background sync: exponential in the failures so far, capped, with
// "equal jitter" (half fixed, half random) so that many devices failing together do not retry together.
#pragma once

#include <algorithm>
#include <chrono>

namespace synclatch::platform::detail {

// failures >= 1; random01 in [0, 1). The result lies in [base / 2, base], base = min(min * 2^(failures-1),
// max).
inline std::chrono::milliseconds backoff_delay(int failures, std::chrono::milliseconds min,
                                               std::chrono::milliseconds max, double random01) {
    std::chrono::milliseconds base = min;
    for (int i = 1; i < failures && base < max; ++i)
        base *= 2;
    base = std::min(base, max);
    const auto half = base / 2;
    return half + std::chrono::milliseconds(
                      static_cast<std::int64_t>(static_cast<double>((base - half).count()) * random01));
}

}  // namespace synclatch::platform::detail
