// The local change feed and change subscriptions.
#include <catch2/catch.hpp>

#include <mutex>
#include <vector>

#include "support/numbered.hpp"
#include "support/store_fixture.hpp"

using namespace synclatch::core;
using synclatch::Errc;
using synclatch::test::StoreFixture;

TEST_CASE_METHOD(StoreFixture, "Change feed: one row per value change, in commit order", "[core][feed]") {
    auto things = engine_dataset("things");
    REQUIRE(things.put("a", "1").ok());
    REQUIRE(things.put("b", "2").ok());
    REQUIRE(things.put("a", "1").ok());  // unchanged: no row
    REQUIRE(things.remove("b").ok());
    Record remote;
    remote.key = "c";
    remote.value = "3";
    remote.sync_count = 1;
    REQUIRE(things.apply_remote(std::vector{remote}).ok());

    auto changes = store->changes_since(0, 100).value();
    REQUIRE(changes.size() == 4);
    CHECK(changes[0].key == "a");
    CHECK(changes[1].key == "b");
    CHECK(changes[2].key == "b");
    CHECK_FALSE(changes[2].value);
    CHECK(changes[3].key == "c");
    CHECK(changes[3].origin == Origin::remote);
    CHECK(changes[0].origin == Origin::local);
    for (std::size_t i = 1; i < changes.size(); ++i)
        CHECK(changes[i].seq > changes[i - 1].seq);
    CHECK(changes[0].dataset == "things");
    CHECK(changes[0].identity_id == std::string(kUnknownIdentityId));
}

TEST_CASE_METHOD(StoreFixture, "Change feed: read in pages and trimmed by sequence", "[core][feed]") {
    auto things = dataset("things");
    for (int i = 0; i < 10; ++i)
        REQUIRE(things.put(synclatch::test::numbered("k", i), "v").ok());
    auto first = store->changes_since(0, 4).value();
    REQUIRE(first.size() == 4);
    auto rest = store->changes_since(first.back().seq, 100).value();
    REQUIRE(rest.size() == 6);
    CHECK(rest.front().key == "k4");
    REQUIRE(store->trim_change_feed(first.back().seq).ok());
    auto left = store->changes_since(0, 100).value();
    REQUIRE(left.size() == 6);
    CHECK(left.front().seq == rest.front().seq);
}

TEST_CASE_METHOD(StoreFixture, "Change feed: a failed write records no change", "[core][feed]") {
    auto things = dataset("things");
    CHECK(things.put_all({{"ok", "1"}, {"", "bad"}}).code() == Errc::invalid_argument);
    CHECK(store->changes_since(0, 100).value().empty());
}

TEST_CASE_METHOD(StoreFixture, "Subscription: callbacks see local and remote changes of their dataset",
                 "[core][feed]") {
    auto things = engine_dataset("things");
    auto other = dataset("other");
    std::vector<Change> seen;
    auto subscription = things.on_change([&](const Change& c) { seen.push_back(c); });
    REQUIRE(things.put("a", "1").ok());
    REQUIRE(other.put("x", "ignored").ok());
    Record remote;
    remote.key = "b";
    remote.value = "2";
    remote.sync_count = 3;
    REQUIRE(things.apply_remote(std::vector{remote}).ok());
    REQUIRE(things.remove("a").ok());

    REQUIRE(seen.size() == 3);
    CHECK(seen[0].key == "a");
    CHECK(seen[0].origin == Origin::local);
    CHECK(seen[1].key == "b");
    CHECK(seen[1].origin == Origin::remote);
    CHECK(seen[2].key == "a");
    CHECK_FALSE(seen[2].value);
    // Subscribers and the feed agree on sequence numbers.
    auto feed = store->changes_since(0, 100).value();
    CHECK(feed[0] == seen[0]);

    SECTION("after reset no more callbacks") {
        subscription.reset();
        CHECK_FALSE(subscription.active());
        REQUIRE(things.put("c", "3").ok());
        CHECK(seen.size() == 3);
    }
}

TEST_CASE_METHOD(StoreFixture, "Subscription: a callback may write, and deliveries stay in commit order",
                 "[core][feed]") {
    auto things = dataset("things");
    auto audit = dataset("audit");
    std::vector<std::int64_t> order;
    std::mutex mutex;
    auto record_order = [&](const Change& c) {
        std::lock_guard lock(mutex);
        order.push_back(c.seq);
    };
    auto on_things = things.on_change([&](const Change& c) {
        record_order(c);
        REQUIRE(audit.put("last", c.key).ok());  // re-entrant write from inside a callback
    });
    auto on_audit = audit.on_change(record_order);
    REQUIRE(things.put("a", "1").ok());
    REQUIRE(things.put("b", "2").ok());
    REQUIRE(order.size() == 4);
    for (std::size_t i = 1; i < order.size(); ++i)
        CHECK(order[i] > order[i - 1]);
    CHECK(audit.get("last").value() == std::optional<std::string>("b"));
}
