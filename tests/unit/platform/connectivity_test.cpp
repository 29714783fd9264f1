// ManualConnectivity and ConnectivitySubscription: notifications on change only, unsubscribe semantics
// (reset from inside the callback, reset waiting for a callback running on another thread).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "synclatch/platform/manual_connectivity.hpp"

namespace {

using namespace synclatch;
using namespace std::chrono_literals;

}  // namespace

TEST_CASE("ManualConnectivity: notifies subscribers of changes only", "[platform][connectivity]") {
    platform::ManualConnectivity monitor(true);
    std::vector<bool> seen;
    auto subscription = monitor.on_change([&](bool online) { seen.push_back(online); });
    CHECK(subscription.active());

    monitor.set_online(true);
    CHECK(seen.empty());
    monitor.set_online(false);
    CHECK_FALSE(monitor.online());
    monitor.set_online(false);
    monitor.set_online(true);
    CHECK(monitor.online());
    CHECK(seen == std::vector<bool>{false, true});
}

TEST_CASE("ManualConnectivity: a reset or dropped subscription is not called again",
          "[platform][connectivity]") {
    platform::ManualConnectivity monitor(false);
    int kept = 0;
    int dropped = 0;
    auto keep = monitor.on_change([&](bool) { ++kept; });
    {
        auto drop = monitor.on_change([&](bool) { ++dropped; });
        monitor.set_online(true);
    }
    monitor.set_online(false);
    keep.reset();
    CHECK_FALSE(keep.active());
    monitor.set_online(true);
    CHECK(kept == 2);
    CHECK(dropped == 1);
}

TEST_CASE("ManualConnectivity: a callback may reset its own subscription and set the state",
          "[platform][connectivity]") {
    platform::ManualConnectivity monitor(true);
    platform::ConnectivitySubscription subscription;
    std::vector<bool> seen;
    subscription = monitor.on_change([&](bool online) {
        seen.push_back(online);
        subscription.reset();
        monitor.set_online(true);  // nested: must not deadlock, and no longer reaches this callback
    });
    monitor.set_online(false);
    CHECK(seen == std::vector<bool>{false});
    CHECK(monitor.online());
}

TEST_CASE("ManualConnectivity: reset waits for a callback running on another thread",
          "[platform][connectivity]") {
    platform::ManualConnectivity monitor(true);
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    auto subscription = monitor.on_change([&](bool) {
        started = true;
        std::this_thread::sleep_for(150ms);
        finished = true;
    });
    std::thread notifier([&] { monitor.set_online(false); });
    while (!started)
        std::this_thread::yield();
    subscription.reset();
    CHECK(finished);  // the objects the callback uses may be destroyed now
    notifier.join();
}

TEST_CASE("ConnectivitySubscription: may outlive its monitor", "[platform][connectivity]") {
    platform::ConnectivitySubscription subscription;
    {
        platform::ManualConnectivity monitor;
        subscription = monitor.on_change([](bool) {});
    }
    subscription.reset();
    CHECK_FALSE(subscription.active());
}
