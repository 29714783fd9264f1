// Threads: one writer with concurrent readers, and several concurrent writers.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "support/numbered.hpp"
#include "support/store_fixture.hpp"

using namespace synclatch::core;
using synclatch::test::StoreFixture;

TEST_CASE_METHOD(StoreFixture, "Concurrency: readers see whole transactions while a writer works",
                 "[core][concurrency]") {
    auto pair = dataset("pair");
    constexpr int kWrites = 300;
    constexpr int kReaders = 4;
    std::atomic<bool> done{false};
    std::atomic<int> torn{0};
    std::atomic<int> went_back{0};
    std::atomic<int> read_errors{0};
    std::atomic<long> reads{0};

    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
        readers.emplace_back([&] {
            long last = -1;
            while (!done.load()) {
                auto all = pair.get_all();
                if (!all.ok()) {
                    ++read_errors;
                    continue;
                }
                ++reads;
                if (all->empty()) continue;
                const long a = std::stol(all->at("a"));
                const long b = std::stol(all->at("b"));
                if (a != b) ++torn;         // put_all is one transaction: never half of it
                if (a < last) ++went_back;  // commits are seen in order
                last = a;
            }
        });
    }
    for (int i = 0; i < kWrites; ++i) {
        REQUIRE(pair.put_all({{"a", std::to_string(i)}, {"b", std::to_string(i)}}).ok());
    }
    done = true;
    for (auto& t : readers)
        t.join();

    CHECK(torn.load() == 0);
    CHECK(went_back.load() == 0);
    CHECK(read_errors.load() == 0);
    CHECK(reads.load() > 0);
    CHECK(pair.get("a").value() == std::optional<std::string>(std::to_string(kWrites - 1)));
}

TEST_CASE_METHOD(StoreFixture, "Concurrency: writes from several threads all land, counted once",
                 "[core][concurrency]") {
    auto counters = dataset("counters");
    constexpr int kThreads = 4;
    constexpr int kPerThread = 100;
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                if (!counters.put(synclatch::test::numbered("t", t) + "-" + std::to_string(i), "v").ok())
                    ++failures;
            }
        });
    }
    for (auto& w : writers)
        w.join();
    CHECK(failures.load() == 0);
    CHECK(counters.get_all().value().size() == kThreads * kPerThread);
    CHECK(counters.metadata()->record_count == kThreads * kPerThread);
    CHECK(store->changes_since(0, 1'000'000).value().size() == kThreads * kPerThread);
}
