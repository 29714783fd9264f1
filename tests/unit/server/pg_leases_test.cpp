// Leader leases on PostgreSQL: two servers (two PgStorage on one database) never lead one processor at
// once, a lease that runs out passes to the other, and the deposed one can no longer write a checkpoint or
// the events that go with it.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using namespace std::chrono_literals;

namespace {

std::optional<std::int64_t> take(Storage& server, std::chrono::milliseconds ttl = 10s) {
    auto taken = server.take_lease("trigger", ttl);
    INFO(taken.status().to_string());
    REQUIRE(taken.ok());
    return *taken;
}

}  // namespace

TEST_CASE("Leases: one server of a database leads a processor and the other waits", "[postgres][leases]") {
    test::TestStorageSite site;
    auto first = site.open_or_fail();
    auto second = site.open_or_fail();

    const auto token = take(*first);
    REQUIRE(token.has_value());
    CHECK_FALSE(take(*second).has_value());
    CHECK(take(*first) == token);  // a renewal keeps the token
    CHECK_FALSE(take(*second).has_value());
    // Another role is another lease.
    CHECK(second->take_lease("listener", 10s)->has_value());
}

TEST_CASE("Leases: a lease that runs out passes on, and the deposed leader writes nothing",
          "[postgres][leases]") {
    test::TestStorageSite site;
    auto deposed = site.open_or_fail();
    auto successor = site.open_or_fail();

    const auto old_token = take(*deposed, 50ms);
    REQUIRE(old_token.has_value());
    REQUIRE(
        deposed->publish("events", {{"p", R"({"n":1})"}}, {"dataset-changes", "trigger", 1, *old_token}, 1)
            .ok());
    std::this_thread::sleep_for(100ms);  // the lease runs out: nobody renewed it
    const auto new_token = take(*successor);
    REQUIRE(new_token.has_value());
    CHECK(*new_token > *old_token);
    CHECK_FALSE(take(*deposed).has_value());

    // The deposed server, still stepping with its old token: refused, and nothing of it is written.
    const Status late =
        deposed->publish("events", {{"p", R"({"n":2})"}}, {"dataset-changes", "trigger", 2, *old_token}, 2);
    CHECK(late.code() == Errc::conflict);
    CHECK(deposed->set_checkpoint({"dataset-changes", "trigger", 3, *old_token}, 3).code() == Errc::conflict);
    CHECK(successor->read_stream("events", 0, 10)->size() == 1);
    CHECK(successor->checkpoint("dataset-changes", "trigger").value() == 1);

    // The successor goes on from the checkpoint the deposed one left.
    REQUIRE(
        successor->publish("events", {{"p", R"({"n":2})"}}, {"dataset-changes", "trigger", 2, *new_token}, 4)
            .ok());
    CHECK(successor->read_stream("events", 0, 10)->size() == 2);
    CHECK(successor->checkpoint("dataset-changes", "trigger").value() == 2);
    // A consumer group that leads nothing (lease 0) is not fenced.
    CHECK(deposed->set_checkpoint({"events", "reader", 5, 0}, 5).ok());
}
