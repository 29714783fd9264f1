// Token buckets refilled lazily: a bucket is brought up to date only when a request looks at it.
#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace synclatch::server {

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

double capacity(const RateLimit& limit) {
    return std::max(limit.burst, 1.0);  // a bucket that can never hold a token would refuse everything
}

double refilled(double tokens, TimePoint updated, const RateLimit& limit, TimePoint now) {
    const double elapsed = std::chrono::duration<double>(now - updated).count();
    if (elapsed <= 0) return tokens;
    return std::min(capacity(limit), tokens + elapsed * limit.per_second);
}

std::chrono::seconds wait_for_token(double tokens, const RateLimit& limit) {
    const double seconds = std::ceil((1.0 - tokens) / limit.per_second);
    return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(seconds)));
}

}  // namespace

RateLimiter::RateLimiter(RateLimiterOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
    global_ = Bucket{capacity(options_.global), clock_()};
}

RateLimiter::Decision RateLimiter::acquire(std::string_view address) {
    std::lock_guard lock(mutex_);
    const TimePoint now = clock_();
    Bucket* mine = nullptr;
    if (!options_.per_address.unlimited()) {
        drop_idle(now);
        const auto found = by_address_.find(address);
        if (found != by_address_.end()) {
            recent_.splice(recent_.begin(), recent_, found->second);  // iterators and keys stay valid
        } else {
            if (by_address_.size() >= std::max<std::size_t>(options_.max_addresses, 1)) {
                by_address_.erase(recent_.back().address);
                recent_.pop_back();
            }
            recent_.push_front(Entry{std::string(address), Bucket{capacity(options_.per_address), now}});
            by_address_.emplace(recent_.front().address, recent_.begin());
        }
        mine = &recent_.front().bucket;
        mine->tokens = refilled(mine->tokens, mine->updated, options_.per_address, now);
        mine->updated = now;
        if (mine->tokens < 1)
            return {Verdict::address_limited, wait_for_token(mine->tokens, options_.per_address)};
    }
    if (!options_.global.unlimited()) {
        global_.tokens = refilled(global_.tokens, global_.updated, options_.global, now);
        global_.updated = now;
        if (global_.tokens < 1)
            return {Verdict::global_limited, wait_for_token(global_.tokens, options_.global)};
        global_.tokens -= 1;
    }
    if (mine != nullptr) mine->tokens -= 1;
    return {};
}

std::size_t RateLimiter::tracked_addresses() const {
    std::lock_guard lock(mutex_);
    return by_address_.size();
}

void RateLimiter::drop_idle(TimePoint now) {
    // A bucket that has refilled is the same as no bucket: the table shrinks back after a burst of
    // addresses. Two per call keep each call's cost constant and still outpace new entries.
    for (int i = 0; i < 2 && !recent_.empty(); ++i) {
        const Entry& oldest = recent_.back();
        if (refilled(oldest.bucket.tokens, oldest.bucket.updated, options_.per_address, now) <
            capacity(options_.per_address))
            return;
        by_address_.erase(oldest.address);
        recent_.pop_back();
    }
}

std::string rate_limit_key(const boost::asio::ip::address& address) {
    if (address.is_v4()) {
        const auto bytes = address.to_v4().to_bytes();
        return std::string(bytes.begin(), bytes.end());
    }
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
        const auto bytes = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
        return std::string(bytes.begin(), bytes.end());
    }
    const auto bytes = v6.to_bytes();
    return std::string(bytes.begin(), bytes.begin() + 8);  // the /64 prefix
}

}  // namespace synclatch::server
