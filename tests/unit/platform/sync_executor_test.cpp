// SyncExecutor: the client's sync thread runs tasks one at a time, by due time, and can drop them.
#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <vector>

#include "backoff.hpp"
#include "sync_executor.hpp"

using synclatch::platform::detail::backoff_delay;
using synclatch::platform::detail::SyncExecutor;
using namespace std::chrono_literals;

TEST_CASE("SyncExecutor: tasks run on its thread by due time, then in posting order",
          "[platform][executor]") {
    SyncExecutor executor;
    std::mutex mutex;
    std::vector<int> order;
    std::promise<void> done;
    auto record = [&](int n) {
        return [&, n] {
            CHECK(executor.on_executor_thread());
            std::lock_guard lock(mutex);
            order.push_back(n);
        };
    };
    const auto start = SyncExecutor::Clock::now() + 50ms;  // all queued before the first is due
    executor.post_at(start + 20ms, record(3));
    executor.post_at(start, record(1));
    executor.post_at(start, record(2));
    executor.post_at(start + 40ms, [&] { done.set_value(); });
    REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
    std::lock_guard lock(mutex);
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK_FALSE(executor.on_executor_thread());
}

TEST_CASE("SyncExecutor: a cancelled task never runs, and stop drops the queue", "[platform][executor]") {
    std::atomic<int> ran{0};
    {
        SyncExecutor executor;
        const auto id = executor.post_at(SyncExecutor::Clock::now() + 30ms, [&] { ran += 1; });
        CHECK(executor.cancel(id));
        CHECK_FALSE(executor.cancel(id));
        std::promise<void> done;
        executor.post_at(SyncExecutor::Clock::now() + 60ms, [&] { done.set_value(); });
        REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
        CHECK(ran == 0);
        executor.post_at(SyncExecutor::Clock::now() + 1h, [&] { ran += 10; });
        executor.stop();
        CHECK(executor.post([&] { ran += 100; }) == 0);  // refused after stop
    }
    CHECK(ran == 0);
}

TEST_CASE("backoff_delay: doubles from the minimum, stays under the maximum, jitters within half",
          "[platform][backoff]") {
    CHECK(backoff_delay(1, 1000ms, 60'000ms, 0.0) == 500ms);
    CHECK(backoff_delay(1, 1000ms, 60'000ms, 0.999) >= 999ms);
    CHECK(backoff_delay(2, 1000ms, 60'000ms, 0.0) == 1000ms);
    CHECK(backoff_delay(3, 1000ms, 60'000ms, 0.5) == 3000ms);  // base 4 s: 2 s fixed + half of 2 s
    CHECK(backoff_delay(10, 1000ms, 60'000ms, 0.0) == 30'000ms);
    CHECK(backoff_delay(1'000, 1000ms, 60'000ms, 0.999) <= 60'000ms);  // no overflow for many failures
}
