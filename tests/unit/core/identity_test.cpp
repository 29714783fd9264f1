// Identity switch (unknown -> known re-parents; known -> known copies and merges) and wipe.
#include <catch2/catch.hpp>

#include "support/store_fixture.hpp"
#include "synclatch/sqlite/database.hpp"

using namespace synclatch::core;
using synclatch::Errc;
using synclatch::test::StoreFixture;

namespace {
const std::string kAlice = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001";
const std::string kBob = "us-east-1:bbbbbbbb-0000-4000-8000-000000000002";

std::vector<std::string> names(LocalStore& store) {
    std::vector<std::string> out;
    for (const auto& m : store.list_datasets().value())
        out.push_back(m.name);
    return out;
}
// A store only ever holds one identity's live data, so the public API cannot put data under another
// identity; plant it directly, as a crash between an older SDK's steps could have left it.
void plant(const std::string& path, const std::string& identity, const std::string& dataset,
           const std::string& key, const std::string& value) {
    sqlite::Database raw(path, {});
    sqlite::StatementScope add(raw.cached(
        "INSERT INTO datasets (identity_id, name, creation_time, last_modified_time) VALUES (?1, ?2, 1, 1) "
        "ON CONFLICT DO NOTHING"));
    add->bind(1, identity).bind(2, dataset).run();
    sqlite::StatementScope rec(
        raw.cached("INSERT INTO records (identity_id, dataset_name, key, value, origin) VALUES (?1, ?2, ?3, "
                   "?4, 'remote')"));
    rec->bind(1, identity).bind(2, dataset).bind(3, key).bind(4, value).run();
}

}  // namespace

TEST_CASE_METHOD(StoreFixture, "Identity: a new store belongs to the unknown identity", "[core][identity]") {
    CHECK(store->identity_id() == std::string(kUnknownIdentityId));
}

TEST_CASE_METHOD(StoreFixture, "Identity: unknown to known re-parents the data", "[core][identity]") {
    auto things = dataset("things");
    REQUIRE(things.put("k", "v").ok());
    REQUIRE(store->set_identity_id(kAlice).ok());
    CHECK(store->identity_id() == kAlice);
    CHECK(names(*store) == std::vector<std::string>{"things"});
    auto record = things.get_record("k").value();  // the old handle follows the identity
    REQUIRE(record);
    CHECK(*record->value == "v");
    CHECK(record->modified);  // still to be pushed, now for the new identity
    CHECK(things.metadata()->identity_id == kAlice);
    CHECK(things.metadata()->record_count == 1);

    SECTION("the identity is remembered across reopening") {
        store.reset();
        store = open();
        CHECK(store->identity_id() == kAlice);
        CHECK(dataset("things").get("k").value() == std::optional<std::string>("v"));
    }
}

TEST_CASE_METHOD(StoreFixture, "Identity: unknown to known keeps a clashing dataset as <name>.unknown",
                 "[core][identity]") {
    REQUIRE(dataset("things").put("k", "anonymous").ok());
    plant(path(), kAlice, "things", "k", "alice");
    REQUIRE(store->set_identity_id(kAlice).ok());
    CHECK(names(*store) == std::vector<std::string>{"things", "things.unknown"});
    CHECK(dataset("things").get("k").value() == std::optional<std::string>("alice"));
    CHECK(dataset("things.unknown").get("k").value() == std::optional<std::string>("anonymous"));
}

TEST_CASE_METHOD(StoreFixture, "Identity: known to known copies data and keeps merged datasets",
                 "[core][identity]") {
    REQUIRE(store->set_identity_id(kAlice).ok());
    auto things = engine_dataset("things");
    Record synced;
    synced.key = "synced";
    synced.value = "from-server";
    synced.sync_count = 7;
    REQUIRE(things.apply_remote(std::vector{synced}).ok());
    REQUIRE(things.set_last_sync_count(7, "ok").ok());
    REQUIRE(things.put("draft", "local").ok());
    REQUIRE(things.put("gone", "x").ok());
    REQUIRE(things.remove("gone").ok());

    REQUIRE(store->set_identity_id(kBob).ok());
    CHECK(store->identity_id() == kBob);
    CHECK(names(*store) == std::vector<std::string>{"things", "things." + kAlice});

    // The copy: every live record as a new local write for bob.
    auto copy = things.get_all_records().value();
    REQUIRE(copy.size() == 2);
    for (const auto& r : copy) {
        CHECK(r.modified);
        CHECK(r.sync_count == 0);
        CHECK(r.origin == Origin::local);
    }
    CHECK(things.get_all().value() ==
          std::map<std::string, std::string>{{"draft", "local"}, {"synced", "from-server"}});
    CHECK(things.last_sync_count().value() == 0);
    CHECK(things.metadata()->record_count == 2);

    // The merged dataset keeps alice's records with their sync counts.
    auto merged = store->open_or_create_dataset("things." + kAlice).value();
    auto synced_there = merged.get_record("synced").value();
    REQUIRE(synced_there);
    CHECK(synced_there->sync_count == 7);
    CHECK_FALSE(synced_there->modified);
    CHECK(merged.get_record("gone").value()->is_deleted());
    CHECK(merged.last_sync_count().value() == 7);
}

TEST_CASE_METHOD(StoreFixture, "Identity: keys the new identity already has keep their value",
                 "[core][identity]") {
    REQUIRE(store->set_identity_id(kAlice).ok());
    REQUIRE(dataset("things").put("shared", "alice").ok());
    REQUIRE(dataset("things").put("only-alice", "a").ok());
    plant(path(), kBob, "things", "shared", "bob");
    REQUIRE(store->set_identity_id(kBob).ok());
    auto things = dataset("things");
    CHECK(things.get("shared").value() == std::optional<std::string>("bob"));
    CHECK(things.get("only-alice").value() == std::optional<std::string>("a"));
    CHECK(things.metadata()->record_count == 2);
}

TEST_CASE_METHOD(StoreFixture, "Identity: bad ids are refused and change nothing", "[core][identity]") {
    REQUIRE(dataset("things").put("k", "v").ok());
    CHECK(store->set_identity_id("not-an-id").code() == Errc::invalid_argument);
    CHECK(store->set_identity_id("").code() == Errc::invalid_argument);
    CHECK(store->identity_id() == std::string(kUnknownIdentityId));
    CHECK(dataset("things").get("k").value() == std::optional<std::string>("v"));
}

TEST_CASE_METHOD(StoreFixture, "Identity: switching to the current identity is a no-op", "[core][identity]") {
    REQUIRE(store->set_identity_id(kAlice).ok());
    REQUIRE(dataset("things").put("k", "v").ok());
    REQUIRE(store->set_identity_id(kAlice).ok());
    CHECK(names(*store) == std::vector<std::string>{"things"});
}

TEST_CASE_METHOD(StoreFixture, "LocalStore: wipe removes all data and forgets the identity",
                 "[core][identity]") {
    REQUIRE(store->set_identity_id(kAlice).ok());
    REQUIRE(dataset("a").put("k", "v").ok());
    REQUIRE(dataset("b").put("k", "v").ok());
    const auto last_seq = store->changes_since(0, 100).value().back().seq;
    REQUIRE(store->wipe().ok());
    CHECK(store->identity_id() == std::string(kUnknownIdentityId));
    CHECK(store->list_datasets().value().empty());
    CHECK(store->changes_since(0, 100).value().empty());
    REQUIRE(dataset("a").put("k", "after").ok());
    CHECK(store->changes_since(0, 100).value().front().seq > last_seq);
    store.reset();
    store = open();
    CHECK(store->identity_id() == std::string(kUnknownIdentityId));
}
