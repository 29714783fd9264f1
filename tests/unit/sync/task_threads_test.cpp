// TaskThreads: the sync engine's few reused threads for requests in flight and pages being stored.
#include "synclatch/sync/detail/task_threads.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using synclatch::sync::detail::TaskThreads;

TEST_CASE("TaskThreads: tasks run at once up to the limit, on threads that are reused", "[sync]") {
    std::mutex mutex;
    std::condition_variable changed;
    int running = 0;
    int most_running = 0;
    int arrived = 0;  // tasks started, over all rounds: both of a round have when it is even
    std::set<std::thread::id> threads;
    auto task = [&] {
        std::unique_lock lock(mutex);
        threads.insert(std::this_thread::get_id());
        most_running = std::max(most_running, ++running);
        ++arrived;
        changed.notify_all();
        // Wait (bounded) until the round's other task has started too: with a limit of 2, both start
        // without waiting for each other. (Not "running >= 2": the other may have come and gone already.)
        changed.wait_for(lock, std::chrono::seconds(10), [&] { return arrived % 2 == 0; });
        --running;
        return std::this_thread::get_id();
    };
    TaskThreads pool(2);
    for (int round = 0; round < 10; ++round) {
        auto first = pool.run(task);
        auto second = pool.run(task);
        CHECK(first.get() != second.get());
    }
    CHECK(most_running == 2);
    CHECK(threads.size() == 2);  // ten rounds, the same two threads
}

TEST_CASE("TaskThreads: results and exceptions come through the futures", "[sync]") {
    TaskThreads pool(1);
    auto answer = pool.run([] { return 42; });
    auto failure = pool.run([]() -> int { throw std::runtime_error("no"); });
    CHECK(answer.get() == 42);
    CHECK_THROWS_WITH(failure.get(), "no");
}

TEST_CASE("TaskThreads: destroying it runs every task already given, then joins", "[sync]") {
    std::atomic<int> done = 0;
    {
        TaskThreads pool(1);
        for (int i = 0; i < 20; ++i)
            (void)pool.run([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                ++done;
            });
    }
    CHECK(done == 20);
}
