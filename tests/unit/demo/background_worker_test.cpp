// The demo's BackgroundWorker: jobs run in order on one thread other than the poster's; the destructor
// lets the running job finish and drops the queued ones.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "background_worker.hpp"
#include "thing_key.hpp"

using namespace synclatch::demo;

TEST_CASE("BackgroundWorker: runs jobs in the order posted, off the posting thread", "[demo]") {
    std::vector<int> order;
    std::thread::id ran_on;
    std::promise<void> all_done;
    {
        BackgroundWorker worker;
        for (int i = 0; i < 100; ++i)
            worker.post([&order, i] { order.push_back(i); });
        worker.post([&] {
            ran_on = std::this_thread::get_id();
            all_done.set_value();
        });
        all_done.get_future().wait();
    }
    REQUIRE(order.size() == 100);
    for (int i = 0; i < 100; ++i)
        CHECK(order[static_cast<std::size_t>(i)] == i);
    CHECK(ran_on != std::this_thread::get_id());
}

TEST_CASE("BackgroundWorker: the destructor finishes the running job and drops the queued ones", "[demo]") {
    std::atomic<int> finished{0};
    std::promise<void> started;
    std::promise<void> release;
    auto released = release.get_future().share();
    std::thread releaser;
    {
        BackgroundWorker worker;
        worker.post([&] {
            started.set_value();
            released.wait();
            ++finished;
        });
        for (int i = 0; i < 10; ++i)
            worker.post([&] { finished += 100; });
        started.get_future().wait();
        releaser = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            release.set_value();
        });
    }  // joins after the running job
    releaser.join();
    CHECK(finished == 1);
}

TEST_CASE("thing_key: a thing's key from its name", "[demo]") {
    CHECK(thing_key("thing", "Desk lamp") == "thing-desk-lamp");
    CHECK(thing_key("thing", "  Öl & Essig!! 2 ") == "thing-öl-essig-2");
    CHECK(thing_key("catalog", "Gift card") == "catalog-gift-card");
    CHECK(thing_key("thing", QString(100, 'a')).size() == 6 + 64);
}
