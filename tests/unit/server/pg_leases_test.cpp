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

TEST_CASE("Leases: a lease given back passes on at once, with a new token", "[postgres][leases]") {
    test::TestStorageSite site;
    auto stopping = site.open_or_fail();
    auto standby = site.open_or_fail();

    const auto old_token = take(*stopping);
    REQUIRE(old_token.has_value());
    CHECK_FALSE(take(*standby).has_value());
    // Giving back a lease another server holds changes nothing.
    REQUIRE(standby->release_lease("trigger").ok());
    CHECK_FALSE(take(*standby).has_value());

    REQUIRE(stopping->release_lease("trigger").ok());
    const auto new_token = take(*standby);
    REQUIRE(new_token.has_value());
    CHECK(*new_token > *old_token);
    // What the stopped server had in flight is fenced like a deposed leader's.
    CHECK(stopping->set_checkpoint({"dataset-changes", "trigger", 1, *old_token}, 1).code() ==
          Errc::conflict);
}

TEST_CASE("Leases: a server restarted on its folder takes its leases back at once, a second one on it waits",
          "[postgres][leases]") {
    const std::string url = test::fresh_pg_database("restart");
    test::TempDir folder;
    const auto open_server = [&] {
        PgStorageOptions options;
        options.url = url;
        options.server_dir = folder.path().string();
        auto opened = PgStorage::open(options);
        INFO(opened.status().to_string());
        REQUIRE(opened.ok());
        return std::move(opened).value();
    };
    std::int64_t before_crash = 0;
    {
        auto crashed = open_server();
        before_crash = take(*crashed).value();
        // Started on the same folder while the first runs: not the same server, so it waits.
        auto beside = open_server();
        CHECK_FALSE(take(*beside).has_value());
    }  // gone without giving its lease back, as in a kill -9
    auto restarted = open_server();
    const auto after_restart = take(*restarted);
    REQUIRE(after_restart.has_value());
    CHECK(*after_restart > before_crash);  // a new incarnation: what the old one had in flight is fenced
}
