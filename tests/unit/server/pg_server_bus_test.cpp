// The server bus on PostgreSQL: a message one server sends reaches every other server of the database, in
// order, and never comes back to its sender.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using namespace std::chrono_literals;

namespace {

// What one server's bus delivered.
struct Inbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::string> messages;  // "topic:payload"

    void listen(ServerBus& bus) {
        bus.subscribe([this](const std::string& topic, const std::string& payload) {
            std::lock_guard lock(mutex);
            messages.push_back(topic + ":" + payload);
            arrived.notify_all();
        });
    }
    std::vector<std::string> wait_for(std::size_t count) {
        std::unique_lock lock(mutex);
        arrived.wait_for(lock, 10s, [&] { return messages.size() >= count; });
        return messages;
    }
};

}  // namespace

TEST_CASE("Server bus: messages reach the other servers in order, not their sender", "[postgres][bus]") {
    test::TestStorageSite site;
    auto first = site.open_or_fail();
    auto second = site.open_or_fail();
    auto third = site.open_or_fail();
    Inbox to_first, to_second, to_third;
    to_first.listen(first->bus());
    to_second.listen(second->bus());
    to_third.listen(third->bus());
    // A listener starts listening once its connection is up: probe until both hear, then let the last
    // probes arrive.
    for (int i = 0; i < 100 && (to_second.wait_for(0).empty() || to_third.wait_for(0).empty()); ++i) {
        REQUIRE(first->bus().send("probe", std::to_string(i)));
        std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(500ms);
    const auto probes_second = to_second.wait_for(1).size();
    const auto probes_third = to_third.wait_for(1).size();
    REQUIRE(probes_second > 0);
    REQUIRE(probes_third > 0);

    REQUIRE(first->bus().send("push", "a"));
    REQUIRE(first->bus().send("push", "b"));
    REQUIRE(second->bus().send("push", "c"));
    const auto at_second = to_second.wait_for(probes_second + 2);
    const auto at_third = to_third.wait_for(probes_third + 3);
    const auto at_first = to_first.wait_for(1);

    REQUIRE(at_second.size() == probes_second + 2);
    CHECK(at_second[probes_second] == "push:a");
    CHECK(at_second[probes_second + 1] == "push:b");
    REQUIRE(at_third.size() >= probes_third + 3);
    CHECK(at_third[probes_third] == "push:a");
    CHECK(at_third[probes_third + 1] == "push:b");
    CHECK(at_third[probes_third + 2] == "push:c");
    CHECK(at_first == std::vector<std::string>{"push:c"});  // none of its own probes or messages
    // Too large for NOTIFY: refused at once, not sent.
    CHECK_FALSE(first->bus().send("push", std::string(ServerBus::kMaxMessageBytes, 'x')));
}
