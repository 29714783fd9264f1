// The Dataset API: reads, local writes, tombstones, sizes, metadata, resolve, remote writes, bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

#include "support/store_fixture.hpp"
#include "synclatch/core/validation.hpp"

using namespace synclatch::core;
using synclatch::Errc;
using synclatch::Status;
using synclatch::test::StoreFixture;

namespace {

std::int64_t feed_size(LocalStore& store) {
    auto changes = store.changes_since(0, 1'000'000);
    REQUIRE(changes.ok());
    return static_cast<std::int64_t>(changes->size());
}

Record remote_record(std::string key, std::optional<std::string> value, std::int64_t sync_count) {
    Record r;
    r.key = std::move(key);
    r.value = std::move(value);
    r.sync_count = sync_count;
    r.last_modified = 1'600'000'000'000;
    r.last_modified_by = "device-b";
    r.device_last_modified = 1'600'000'000'000;
    return r;
}

}  // namespace

TEST_CASE_METHOD(StoreFixture, "Dataset: put then get returns the value, marked modified and local",
                 "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put("k", "v").ok());
    CHECK(things.get("k").value() == std::optional<std::string>("v"));
    CHECK(things.get("absent").value() == std::nullopt);
    auto record = things.get_record("k").value();
    REQUIRE(record);
    CHECK(record->modified);
    CHECK(record->origin == Origin::local);
    CHECK(record->sync_count == 0);
    CHECK(record->device_last_modified == now.load());
    CHECK(things.is_changed("k").value());
    CHECK_FALSE(things.is_changed("absent").value());
}

TEST_CASE_METHOD(StoreFixture, "Dataset: putting the value a key already has is a no-op", "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("k", "v", 3)}).ok());
    const auto before_feed = feed_size(*store);
    const auto before_meta = things.metadata().value();
    now += 1000;
    REQUIRE(things.put("k", "v").ok());
    auto record = things.get_record("k").value();
    CHECK_FALSE(record->modified);  // still clean: nothing to push
    CHECK(record->origin == Origin::remote);
    CHECK(feed_size(*store) == before_feed);  // no change recorded
    CHECK(things.metadata().value() == before_meta);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: remove leaves a tombstone that get_all skips", "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put_all({{"a", "1"}, {"b", "2"}}).ok());
    REQUIRE(things.remove("a").ok());
    CHECK(things.get("a").value() == std::nullopt);
    CHECK(things.get_all().value() == std::map<std::string, std::string>{{"b", "2"}});
    auto records = things.get_all_records().value();
    REQUIRE(records.size() == 2);
    CHECK(records[0].key == "a");
    CHECK(records[0].is_deleted());
    CHECK(records[0].modified);
    CHECK(things.metadata()->record_count == 1);

    SECTION("removing an absent or already removed key changes nothing") {
        const auto before = feed_size(*store);
        REQUIRE(things.remove("a").ok());
        REQUIRE(things.remove("never-there").ok());
        CHECK(feed_size(*store) == before);
        CHECK(things.get_record("never-there").value() == std::nullopt);
    }
    SECTION("putting a removed key brings it back") {
        REQUIRE(things.put("a", "again").ok());
        CHECK(things.get("a").value() == std::optional<std::string>("again"));
        CHECK(things.metadata()->record_count == 2);
    }
}

TEST_CASE_METHOD(StoreFixture, "Dataset: put_all writes everything or, on bad input, nothing",
                 "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put_all({{"a", "1"}, {"b", "2"}, {"c", "3"}}).ok());
    CHECK(things.get_all().value().size() == 3);

    const auto before = things.get_all_records().value();
    const auto before_feed = feed_size(*store);
    Status bad = things.put_all({{"a", "changed"}, {std::string(1025, 'k'), "x"}});
    CHECK(bad.code() == Errc::invalid_argument);
    CHECK(things.get_all_records().value() == before);
    CHECK(feed_size(*store) == before_feed);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: bad keys and values are refused and change nothing",
                 "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put("keep", "1").ok());
    const auto before = things.get_all_records().value();
    CHECK(things.put("", "v").code() == Errc::invalid_argument);
    CHECK(things.put(std::string(1025, 'k'), "v").code() == Errc::invalid_argument);
    CHECK(things.put("k", std::string(kMaxValueLength + 1, 'v')).code() == Errc::invalid_argument);
    CHECK(things.put("k", "\xff\xfe").code() == Errc::invalid_argument);
    CHECK(things.remove("").code() == Errc::invalid_argument);
    CHECK(things.get("").status().code() == Errc::invalid_argument);
    CHECK(things.size_in_bytes("").status().code() == Errc::invalid_argument);
    CHECK(things.is_changed("").status().code() == Errc::invalid_argument);
    CHECK(things.resolve(std::vector{remote_record("", "v", 1)}).code() == Errc::invalid_argument);
    CHECK(things.apply_remote(std::vector{remote_record("k", "v", -5)}).code() == Errc::invalid_argument);
    CHECK(things.set_last_sync_count(-2, "x").code() == Errc::invalid_argument);
    CHECK(things.get_all_records().value() == before);
    CHECK(things.last_sync_count().value() == 0);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: the largest allowed key and value are stored whole",
                 "[core][dataset]") {
    auto things = dataset("things");
    const std::string key(kMaxKeyLength, 'k');
    const std::string value(kMaxValueLength, 'v');
    REQUIRE(things.put(key, value).ok());
    CHECK(things.get(key).value() == value);
    CHECK(things.size_in_bytes(key).value() == static_cast<std::int64_t>(key.size() + value.size()));
}

TEST_CASE_METHOD(StoreFixture, "Dataset: sizes count UTF-8 bytes of live keys and values",
                 "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put("ab", "\xe2\x82\xac").ok());  // 2 + 3 bytes
    REQUIRE(things.put("c", "defg").ok());           // 1 + 4 bytes
    CHECK(things.size_in_bytes("ab").value() == 5);
    CHECK(things.size_in_bytes("c").value() == 5);
    CHECK(things.size_in_bytes("absent").value() == 0);
    CHECK(things.size_in_bytes().value() == 10);
    REQUIRE(things.put("c", "d").ok());
    CHECK(things.size_in_bytes().value() == 7);
    REQUIRE(things.remove("ab").ok());
    CHECK(things.size_in_bytes().value() == 2);
    CHECK(things.size_in_bytes("ab").value() == 0);
    CHECK(things.metadata()->storage_bytes == 2);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: metadata tracks creation, modification, size and count",
                 "[core][dataset]") {
    const auto created_at = now.load();
    auto things = dataset("things");
    auto meta = things.metadata().value();
    CHECK(meta.name == "things");
    CHECK(meta.identity_id == std::string(kUnknownIdentityId));
    CHECK(meta.creation_time == created_at);
    CHECK(meta.record_count == 0);
    CHECK(meta.last_sync_count == 0);
    CHECK_FALSE(meta.last_sync_time);

    now += 5000;
    REQUIRE(things.put("k", "v").ok());
    meta = things.metadata().value();
    CHECK(meta.creation_time == created_at);
    CHECK(meta.last_modified_time == created_at + 5000);
    CHECK(meta.record_count == 1);
    CHECK(meta.storage_bytes == 2);

    REQUIRE(things.set_last_sync_count(17, "ok").ok());
    meta = things.metadata().value();
    CHECK(meta.last_sync_count == 17);
    CHECK(meta.last_sync_time == now.load());
    CHECK(meta.last_sync_result == "ok");
    CHECK(things.last_sync_count().value() == 17);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: data survives closing and reopening the store", "[core][dataset]") {
    REQUIRE(dataset("things").put("k", "v").ok());
    store.reset();
    store = open();
    CHECK(dataset("things").get("k").value() == std::optional<std::string>("v"));
}

TEST_CASE_METHOD(StoreFixture, "Dataset: apply_remote stores clean remote versions", "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put("mine", "local").ok());
    REQUIRE(things
                .apply_remote(
                    std::vector{remote_record("theirs", "remote", 4), remote_record("gone", std::nullopt, 4)})
                .ok());
    auto theirs = things.get_record("theirs").value();
    REQUIRE(theirs);
    CHECK(*theirs->value == "remote");
    CHECK_FALSE(theirs->modified);
    CHECK(theirs->origin == Origin::remote);
    CHECK(theirs->sync_count == 4);
    CHECK(theirs->last_modified_by == "device-b");
    CHECK(things.get_record("gone").value()->is_deleted());

    auto modified = things.modified_records().value();
    REQUIRE(modified.size() == 1);
    CHECK(modified[0].key == "mine");

    SECTION("a remote version over a local edit replaces it and is clean") {
        REQUIRE(things.apply_remote(std::vector{remote_record("mine", "server", 5)}).ok());
        auto mine = things.get_record("mine").value();
        CHECK(*mine->value == "server");
        CHECK_FALSE(mine->modified);
        CHECK(things.modified_records().value().empty());
    }
}

TEST_CASE_METHOD(StoreFixture, "Dataset: resolve stores records as given", "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.put("a", "local-a").ok());
    REQUIRE(things.put("b", "local-b").ok());

    Record take_remote = remote_record("a", "remote-a", 9);  // resolved with the remote record
    Record keep_local = remote_record("b", "local-b", 9);  // resolved with the local value on remote's count
    keep_local.modified = true;
    REQUIRE(things.resolve(std::vector{take_remote, keep_local}).ok());

    auto a = things.get_record("a").value();
    CHECK(*a->value == "remote-a");
    CHECK_FALSE(a->modified);
    CHECK(a->origin == Origin::remote);
    auto b = things.get_record("b").value();
    CHECK(*b->value == "local-b");
    CHECK(b->modified);
    CHECK(b->origin == Origin::local);
    CHECK(b->sync_count == 9);
}

TEST_CASE_METHOD(StoreFixture, "Dataset: remove_dataset clears records and marks it for remote deletion",
                 "[core][dataset]") {
    auto things = dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("a", "1", 2), remote_record("b", "2", 2)}).ok());
    REQUIRE(things.set_last_sync_count(2, "ok").ok());
    REQUIRE(things.remove_dataset().ok());

    CHECK(things.get_all_records().value().empty());
    auto meta = things.metadata().value();
    CHECK(meta.pending_remote_delete());
    CHECK(meta.last_sync_count == -1);
    CHECK(meta.record_count == 0);
    CHECK(meta.storage_bytes == 0);
    auto listed = store->list_datasets().value();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].pending_remote_delete());

    SECTION("records written afterwards are kept") {
        REQUIRE(things.put("c", "3").ok());
        CHECK(things.get_all().value() == std::map<std::string, std::string>{{"c", "3"}});
        CHECK(things.last_sync_count().value() == -1);
    }
}

TEST_CASE_METHOD(StoreFixture, "LocalStore: datasets are created once and listed by name",
                 "[core][dataset]") {
    CHECK(store->list_datasets().value().empty());
    REQUIRE(dataset("zeta").put("k", "v").ok());
    dataset("alpha");
    dataset("alpha");
    auto listed = store->list_datasets().value();
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].name == "alpha");
    CHECK(listed[1].name == "zeta");
    CHECK(listed[1].record_count == 1);
    CHECK(store->open_or_create_dataset("bad name").status().code() == Errc::invalid_argument);
    CHECK(store->open_or_create_dataset("").status().code() == Errc::invalid_argument);
    CHECK(store->list_datasets().value().size() == 2);
}

TEST_CASE("LocalStore: opening fails with a clear status", "[core][dataset]") {
    synclatch::test::TempDir dir;
    StoreOptions options;
    CHECK(LocalStore::open(options).status().code() == Errc::invalid_argument);
    options.path = ":memory:";
    CHECK(LocalStore::open(options).status().code() == Errc::invalid_argument);
    options.path = dir.file("missing-folder/store.db");
    CHECK(LocalStore::open(options).status().code() == Errc::storage);
    options.path = dir.file("text.db");
    {
        std::FILE* f = std::fopen(options.path.c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs("not a database but plain text, long enough to fill an SQLite header.........", f);
        std::fclose(f);
    }
    CHECK(LocalStore::open(options).status().code() == Errc::corrupt);
}
