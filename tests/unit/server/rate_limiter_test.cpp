// RateLimiter with an injected clock: bursts, refill, per-address and global buckets, the bounded table.
#include "http/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "support/numbered.hpp"

using namespace synclatch::server;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
    std::chrono::steady_clock::time_point now{};
    RateLimiter::Clock clock() {
        return [this] { return now; };
    }
};

RateLimit limit(double per_second, double burst) {
    RateLimit l;
    l.per_second = per_second;
    l.burst = burst;
    return l;
}

RateLimiterOptions options(RateLimit per_address, RateLimit global = {}, std::size_t max_addresses = 16'384) {
    RateLimiterOptions o;
    o.per_address = per_address;
    o.global = global;
    o.max_addresses = max_addresses;
    return o;
}

int allowed(RateLimiter& limiter, std::string_view address, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; ++i)
        n += limiter.acquire(address).allowed() ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("RateLimiter: an address gets its burst, then one token per refill interval", "[server][rate]") {
    FakeClock time;
    RateLimiter limiter(options(limit(0.5, 3)), time.clock());
    CHECK(allowed(limiter, "a", 3) == 3);
    const auto refused = limiter.acquire("a");
    CHECK(refused.verdict == RateLimiter::Verdict::address_limited);
    CHECK(refused.retry_after == 2s);
    time.now += 1s;
    CHECK_FALSE(limiter.acquire("a").allowed());
    CHECK(limiter.acquire("a").retry_after == 1s);
    time.now += 1s;
    CHECK(allowed(limiter, "a", 5) == 1);
    time.now += 1h;  // never more than the burst
    CHECK(allowed(limiter, "a", 10) == 3);
}

TEST_CASE("RateLimiter: addresses have buckets of their own", "[server][rate]") {
    FakeClock time;
    RateLimiter limiter(options(limit(1, 2)), time.clock());
    CHECK(allowed(limiter, "a", 5) == 2);
    CHECK(allowed(limiter, "b", 5) == 2);
    CHECK(limiter.tracked_addresses() == 2);
}

TEST_CASE("RateLimiter: the global bucket caps all addresses together", "[server][rate]") {
    FakeClock time;
    RateLimiter limiter(options(limit(1, 10), limit(4, 4)), time.clock());
    int total = 0;
    for (const char* address : {"a", "b", "c", "d", "e"})
        total += allowed(limiter, address, 3);
    CHECK(total == 4);
    const auto refused = limiter.acquire("f");
    CHECK(refused.verdict == RateLimiter::Verdict::global_limited);
    CHECK(refused.retry_after == 1s);
    time.now += 500ms;
    CHECK(allowed(limiter, "f", 5) == 2);

    SECTION("a refusal by the global bucket costs the address nothing") {
        time.now += 1s;
        CHECK(allowed(limiter, "g", 4) == 4);  // global: 4 again; g: 10 - 4 = 6 left
        CHECK(allowed(limiter, "g", 50) == 0);
        time.now += 1s;
        CHECK(allowed(limiter, "g", 50) == 4);
    }
}

TEST_CASE("RateLimiter: per_second 0 is unlimited", "[server][rate]") {
    FakeClock time;
    SECTION("both") {
        RateLimiter limiter({}, time.clock());
        CHECK(allowed(limiter, "a", 10'000) == 10'000);
        CHECK(limiter.tracked_addresses() == 0);
    }
    SECTION("global only") {
        RateLimiter limiter(options({}, limit(1, 5)), time.clock());
        CHECK(allowed(limiter, "a", 10) == 5);
        CHECK(limiter.tracked_addresses() == 0);  // nothing kept per address
    }
    SECTION("per address only") {
        RateLimiter limiter(options(limit(1, 5)), time.clock());
        for (int i = 0; i < 100; ++i)
            CHECK(allowed(limiter, std::to_string(i), 10) == 5);
    }
}

TEST_CASE("RateLimiter: the address table stays within its bound, least recently used evicted first",
          "[server][rate]") {
    FakeClock time;
    RateLimiter limiter(options(limit(0.001, 2), {}, 3), time.clock());
    CHECK(allowed(limiter, "keep", 5) == 2);
    for (int i = 0; i < 10'000; ++i) {
        limiter.acquire("other-" + std::to_string(i));
        limiter.acquire("keep");  // used all along: never the least recently used
        REQUIRE(limiter.tracked_addresses() <= 3);
    }
    CHECK(allowed(limiter, "keep", 5) == 0);  // its empty bucket was never evicted
    CHECK(limiter.tracked_addresses() == 3);
    // An evicted address starts again with a full bucket: the global bucket is what caps that.
    CHECK(allowed(limiter, "other-0", 5) == 2);
}

TEST_CASE("RateLimiter: buckets that have refilled are dropped, so the table shrinks after a burst",
          "[server][rate]") {
    FakeClock time;
    RateLimiter limiter(options(limit(1, 2), {}, 1000), time.clock());
    for (int i = 0; i < 1000; ++i)
        limiter.acquire(synclatch::test::numbered("a", i));
    CHECK(limiter.tracked_addresses() == 1000);
    time.now += 2s;  // all full again
    for (int i = 0; i < 600; ++i)
        limiter.acquire("fresh");
    CHECK(limiter.tracked_addresses() <= 1);
}

TEST_CASE("RateLimiter: concurrent callers never get more than the burst", "[server][rate]") {
    RateLimiter limiter(options(limit(1e-9, 100), limit(1e-9, 250)));
    std::atomic<int> total{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            int mine = 0;
            for (int i = 0; i < 1000; ++i)
                mine += limiter.acquire(t % 2 == 0 ? "even" : "odd").allowed() ? 1 : 0;
            total += mine;
        });
    }
    for (auto& t : threads)
        t.join();
    CHECK(total == 200);  // each address's 100; the global 250 is not reached
}

TEST_CASE("rate_limit_key: IPv4 by address, IPv6 by /64 prefix", "[server][rate]") {
    using boost::asio::ip::make_address;
    CHECK(rate_limit_key(make_address("192.0.2.1")).size() == 4);
    CHECK(rate_limit_key(make_address("192.0.2.1")) != rate_limit_key(make_address("192.0.2.2")));
    CHECK(rate_limit_key(make_address("::ffff:192.0.2.1")) == rate_limit_key(make_address("192.0.2.1")));
    CHECK(rate_limit_key(make_address("2001:db8:1:2::1")) ==
          rate_limit_key(make_address("2001:db8:1:2:ffff::9")));
    CHECK(rate_limit_key(make_address("2001:db8:1:2::1")) != rate_limit_key(make_address("2001:db8:1:3::1")));
}
