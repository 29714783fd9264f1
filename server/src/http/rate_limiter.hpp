// RateLimiter: token buckets for work anyone may ask for without credentials (new identities, credentials):
// one bucket per client address and one for the whole server. The "address" is any key: the limit on new
// credentials per identity is a RateLimiter keyed by identity id, with no global bucket. A request goes ahead
// only when both buckets hold a token, and then takes one from each; otherwise it is refused with the time
// after which a retry can pass. The table of per-address buckets is bounded (max_addresses entries, least
// recently used evicted first), so an attacker with many addresses (an IPv6 prefix holds billions) cannot
// make it grow; beyond the bound an evicted address starts again with a full bucket, and the global bucket
// still caps the total.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synclatch::server {

// A bucket that holds at most `burst` tokens and regains `per_second` tokens each second.
// per_second 0: unlimited (no bucket at all).
struct RateLimit {
    double per_second = 0;
    double burst = 0;

    bool unlimited() const noexcept { return per_second <= 0; }
};

struct RateLimiterOptions {
    RateLimit per_address;
    RateLimit global;
    // Addresses tracked at once; an entry costs about 150 bytes (16,384 entries: about 2.5 MB).
    std::size_t max_addresses = 16'384;
};

// Thread-safety: every method may be called from any thread concurrently (one mutex; each call is a few
// hash-map operations).
class RateLimiter {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    enum class Verdict { allowed, address_limited, global_limited };
    struct Decision {
        Verdict verdict = Verdict::allowed;
        std::chrono::seconds retry_after{0};  // refused: whole seconds until a retry can pass (at least 1)

        bool allowed() const noexcept { return verdict == Verdict::allowed; }
    };

    explicit RateLimiter(RateLimiterOptions options, Clock clock = std::chrono::steady_clock::now);

    // Takes a token for one unit of work from `address`'s bucket and the global one, or refuses it and
    // takes nothing.
    Decision acquire(std::string_view address);

    // Per-address buckets held now (bounded by max_addresses).
    std::size_t tracked_addresses() const;

  private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    struct Entry {
        std::string address;
        Bucket bucket;
    };

    void drop_idle(std::chrono::steady_clock::time_point now);  // guarded by mutex_

    const RateLimiterOptions options_;
    const Clock clock_;
    mutable std::mutex mutex_;
    Bucket global_;            // guarded by mutex_
    std::list<Entry> recent_;  // guarded by mutex_; most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> by_address_;  // guarded by mutex_;
                                                                                   // keys view recent_
};

// The key an address is limited by: its 4 bytes for IPv4 (IPv4-mapped IPv6 included), the /64 prefix for
// IPv6 (one subscriber usually holds a whole /64, so its single addresses mean nothing).
std::string rate_limit_key(const boost::asio::ip::address& address);

}  // namespace synclatch::server
