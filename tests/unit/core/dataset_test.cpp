// The Dataset API: reads, local writes, tombstones, sizes, metadata, bad input; and the sync engine's writes
// through engine::SyncDataset (apply_remote, resolve, merge_remote, settle, reset_after_remote_delete,
// pinned handles), which apps cannot reach.
#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

#include "support/store_fixture.hpp"
#include "synclatch/core/validation.hpp"

using namespace synclatch::core;
using synclatch::Errc;
using synclatch::Status;
using synclatch::core::engine::SyncDataset;
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
    auto things = engine_dataset("things");
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
    auto things = engine_dataset("things");
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
    auto things = engine_dataset("things");
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

TEST_CASE_METHOD(StoreFixture, "SyncDataset: apply_remote stores clean remote versions", "[core][dataset]") {
    auto things = engine_dataset("things");
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

TEST_CASE_METHOD(StoreFixture, "SyncDataset: modified records page by key, by count and by bytes",
                 "[core][dataset]") {
    auto things = engine_dataset("things");
    REQUIRE(things.put_all({{"a", "1"}, {"b", "22"}, {"c", "333"}, {"d", "4444"}, {"e", "55555"}}).ok());
    REQUIRE(things.remove("c").ok());  // never pushed, so a modified tombstone: still to be pushed
    REQUIRE(things.apply_remote(std::vector{remote_record("b", "clean", 3)}).ok());
    auto keys = [](const std::vector<Record>& page) {
        std::vector<std::string> names;
        for (const auto& record : page)
            names.push_back(record.key);
        return names;
    };
    CHECK(keys(things.modified_records_after("", 2, 1'000).value()) == std::vector<std::string>{"a", "c"});
    CHECK(keys(things.modified_records_after("c", 2, 1'000).value()) == std::vector<std::string>{"d", "e"});
    CHECK(things.modified_records_after("e", 2, 1'000).value().empty());
    // Bytes are key + value: "a1" (2), "c" (1), "d4444" (5); the first record is taken even when over.
    CHECK(keys(things.modified_records_after("", 10, 8).value()) == std::vector<std::string>{"a", "c", "d"});
    CHECK(keys(things.modified_records_after("", 10, 7).value()) == std::vector<std::string>{"a", "c"});
    CHECK(keys(things.modified_records_after("d", 10, 1).value()) == std::vector<std::string>{"e"});
    CHECK(things.modified_records_after("", 0, 1'000).value().empty());
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: the last page of a pull and its sync count in one commit",
                 "[core][dataset]") {
    auto things = engine_dataset("things");
    auto merged = things.merge_remote_and_record(std::vector{remote_record("a", "1", 3)}, 3).value();
    CHECK(merged.conflicts.empty());
    CHECK(merged.nothing_to_push);
    CHECK(things.metadata().value().last_sync_count == 3);
    CHECK(things.metadata().value().last_sync_result == "ok");
    CHECK(things.get("a").value() == std::optional<std::string>("1"));

    REQUIRE(things.put("mine", "local").ok());  // left to push: recorded as pulled only
    merged = things.merge_remote_and_record(std::vector{remote_record("b", "2", 4)}, 4).value();
    CHECK_FALSE(merged.nothing_to_push);
    CHECK(things.metadata().value().last_sync_count == 4);
    CHECK(things.metadata().value().last_sync_result == "pulled");

    // A conflict: the records without one are applied, and the count is not recorded.
    merged = things
                 .merge_remote_and_record(
                     std::vector{remote_record("mine", "theirs", 5), remote_record("c", "3", 5)}, 5)
                 .value();
    REQUIRE(merged.conflicts.size() == 1);
    CHECK(merged.conflicts[0].local.key == "mine");
    CHECK(things.get("c").value() == std::optional<std::string>("3"));
    CHECK(things.metadata().value().last_sync_count == 4);
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: resolve stores records as given", "[core][dataset]") {
    auto things = engine_dataset("things");
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
    auto things = engine_dataset("things");
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

// --- The sync engine's primitives: merge_remote, settle, reset_after_remote_delete, pinned ---------------

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: merge_remote stores a record without local changes as given, clean",
                 "[core][dataset][merge]") {
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("known", "old", 2)}).ok());
    const auto incoming = std::vector{remote_record("new", "n", 4), remote_record("known", "newer", 4)};
    auto conflicts = things.merge_remote(incoming);
    REQUIRE(conflicts.ok());
    CHECK(conflicts->empty());
    for (const auto& expected : incoming) {
        INFO(expected.key);
        auto stored = things.get_record(expected.key).value();
        REQUIRE(stored);
        CHECK(stored->value == expected.value);
        CHECK(stored->sync_count == 4);
        CHECK(stored->last_modified == expected.last_modified);
        CHECK(stored->last_modified_by == "device-b");
        CHECK(stored->device_last_modified == expected.device_last_modified);
        CHECK_FALSE(stored->modified);
        CHECK(stored->origin == Origin::remote);
    }
    CHECK(things.modified_records().value().empty());
    CHECK(things.metadata()->record_count == 2);

    SECTION("a remote record marked modified is still stored clean") {
        Record flagged = remote_record("flagged", "f", 5);
        flagged.modified = true;
        REQUIRE(things.merge_remote(std::vector{flagged}).ok());
        CHECK_FALSE(things.get_record("flagged").value()->modified);
        CHECK(things.get_record("flagged").value()->origin == Origin::remote);
    }
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: merge_remote ignores versions the local record already has",
                 "[core][dataset][merge]") {
    auto things = engine_dataset("things");

    SECTION("a local edit on sync count 5 ignores remote versions 5 and older") {
        Record edit = remote_record("k", "local edit", 5);
        edit.modified = true;  // the app's edit on top of the server's version 5
        REQUIRE(things.resolve(std::vector{edit}).ok());
        const auto before = things.get_record("k").value();
        const auto feed = feed_size(*store);
        for (std::int64_t count : {5, 3, 0}) {
            INFO("remote sync count " << count);
            auto conflicts = things.merge_remote(std::vector{remote_record("k", "server", count)});
            REQUIRE(conflicts.ok());
            CHECK(conflicts->empty());
            CHECK(things.get_record("k").value() == before);
        }
        CHECK(feed_size(*store) == feed);
    }
    SECTION("a clean record on sync count 5 ignores older remote versions") {
        REQUIRE(things.apply_remote(std::vector{remote_record("k", "v5", 5)}).ok());
        const auto before = things.get_record("k").value();
        const auto feed = feed_size(*store);
        auto conflicts = things.merge_remote(std::vector{remote_record("k", "v3", 3)});
        REQUIRE(conflicts.ok());
        CHECK(conflicts->empty());
        CHECK(things.get_record("k").value() == before);
        CHECK(feed_size(*store) == feed);
    }
}

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: merge_remote returns a conflict for a local edit and writes nothing",
                 "[core][dataset][merge]") {
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("k", "base", 2)}).ok());
    now += 1000;
    REQUIRE(things.put("k", "mine").ok());
    const auto local = things.get_record("k").value();
    const auto before_meta = things.metadata().value();
    const auto before_feed = feed_size(*store);

    const Record theirs = remote_record("k", "theirs", 3);
    auto conflicts = things.merge_remote(std::vector{theirs});
    REQUIRE(conflicts.ok());
    REQUIRE(conflicts->size() == 1);
    CHECK((*conflicts)[0].local == *local);
    CHECK((*conflicts)[0].remote == theirs);
    CHECK(things.get_record("k").value() == local);
    CHECK(things.metadata().value() == before_meta);
    CHECK(feed_size(*store) == before_feed);

    SECTION("a local removal conflicts with a remote value") {
        REQUIRE(things.remove("k").ok());
        const auto removed = things.get_record("k").value();
        auto found = things.merge_remote(std::vector{theirs});
        REQUIRE(found.ok());
        REQUIRE(found->size() == 1);
        CHECK((*found)[0].local == *removed);
        CHECK(things.get_record("k").value() == removed);
    }
    SECTION("other keys of the same page are still applied") {
        auto found = things.merge_remote(std::vector{theirs, remote_record("other", "o", 3)});
        REQUIRE(found.ok());
        REQUIRE(found->size() == 1);
        CHECK((*found)[0].remote.key == "k");
        CHECK(things.get("other").value() == std::optional<std::string>("o"));
        CHECK(things.get_record("k").value() == local);
    }
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: merge_remote settles a local edit the server already has, clean",
                 "[core][dataset][merge]") {
    // The server's copy was written at the same moment as the local edit or later (a later local one
    // stays to be pushed: see the next test).
    auto later = [&](Record record) {
        record.device_last_modified = now.load() + 1'000;
        return record;
    };
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("k", "base", 2)}).ok());
    REQUIRE(things.put("k", "same").ok());
    const auto before_feed = feed_size(*store);

    const Record theirs = later(remote_record("k", "same", 3));
    auto conflicts = things.merge_remote(std::vector{theirs});
    REQUIRE(conflicts.ok());
    CHECK(conflicts->empty());
    auto stored = things.get_record("k").value();
    REQUIRE(stored);
    CHECK(stored->value == std::optional<std::string>("same"));
    CHECK_FALSE(stored->modified);
    CHECK(stored->origin == Origin::remote);
    CHECK(stored->sync_count == 3);
    CHECK(stored->last_modified_by == "device-b");
    CHECK(things.modified_records().value().empty());
    CHECK(feed_size(*store) == before_feed);  // the value did not change

    SECTION("likewise a local removal the server has removed too") {
        REQUIRE(things.put("gone", "x").ok());
        REQUIRE(things.remove("gone").ok());
        REQUIRE(
            things.merge_remote(std::vector{later(remote_record("gone", std::nullopt, 4))}).value().empty());
        auto gone = things.get_record("gone").value();
        REQUIRE(gone);
        CHECK(gone->is_deleted());
        CHECK_FALSE(gone->modified);
        CHECK(gone->sync_count == 4);
    }
}

TEST_CASE_METHOD(
    StoreFixture,
    "SyncDataset: merge_remote keeps a later local edit of the same value to push, on the remote count",
    "[core][dataset][merge]") {
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("k", "base", 2)}).ok());
    REQUIRE(things.remove("k").ok());  // after the remote's remove below was written elsewhere
    auto conflicts = things.merge_remote(std::vector{remote_record("k", std::nullopt, 3)});
    REQUIRE(conflicts.ok());
    CHECK(conflicts->empty());
    auto stored = things.get_record("k").value();
    REQUIRE(stored);
    CHECK(stored->is_deleted());
    CHECK(stored->modified);
    CHECK(stored->sync_count == 3);  // pushed on top of the remote's, not stale
    CHECK(stored->device_last_modified > 1'600'000'000'000);
    CHECK(things.modified_records().value().size() == 1);
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: merge_remote removes a clean record for a remote tombstone",
                 "[core][dataset][merge]") {
    auto things = engine_dataset("things");
    REQUIRE(
        things.apply_remote(std::vector{remote_record("k", "value", 2), remote_record("kept", "v", 2)}).ok());
    REQUIRE(things.metadata()->record_count == 2);

    auto conflicts = things.merge_remote(std::vector{remote_record("k", std::nullopt, 3)});
    REQUIRE(conflicts.ok());
    CHECK(conflicts->empty());
    CHECK(things.get("k").value() == std::nullopt);
    auto tombstone = things.get_record("k").value();
    REQUIRE(tombstone);
    CHECK(tombstone->is_deleted());
    CHECK_FALSE(tombstone->modified);
    CHECK(tombstone->origin == Origin::remote);
    CHECK(tombstone->sync_count == 3);
    CHECK(things.get_all().value() == std::map<std::string, std::string>{{"kept", "v"}});
    CHECK(things.metadata()->record_count == 1);
    CHECK(things.size_in_bytes().value() == 5);  // "kept" + "v"
    CHECK(things.modified_records().value().empty());
}

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: changes merged from the server reach the feed and subscribers as remote",
                 "[core][dataset][merge]") {
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("old", "o", 1)}).ok());
    std::vector<Change> seen;
    auto subscription = things.on_change([&](const Change& c) { seen.push_back(c); });
    const auto last_seq = store->changes_since(0, 1000).value().back().seq;

    REQUIRE(
        things.merge_remote(std::vector{remote_record("new", "n", 2), remote_record("old", std::nullopt, 2)})
            .ok());
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].key == "new");
    CHECK(seen[0].value == std::optional<std::string>("n"));
    CHECK(seen[0].origin == Origin::remote);
    CHECK(seen[1].key == "old");
    CHECK(seen[1].value == std::nullopt);
    CHECK(seen[1].origin == Origin::remote);
    CHECK(seen[0].dataset == "things");

    auto feed = store->changes_since(last_seq, 1000).value();
    REQUIRE(feed.size() == 2);
    CHECK(feed[0] == seen[0]);
    CHECK(feed[1] == seen[1]);
}

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: settle stores the settled version when the record is as the engine saw it",
                 "[core][dataset][settle]") {
    auto things = engine_dataset("things");
    REQUIRE(things.put("k", "v").ok());
    const Record seen = *things.get_record("k").value();

    SECTION("a pushed record becomes the server's clean version") {
        Record accepted = remote_record("k", "v", 7);
        auto changed = things.settle(std::vector{SyncDataset::Settlement{seen, accepted}});
        REQUIRE(changed.ok());
        CHECK(*changed == 0);
        auto stored = things.get_record("k").value();
        REQUIRE(stored);
        accepted.origin = Origin::remote;
        CHECK(*stored == accepted);
        CHECK(things.modified_records().value().empty());
    }
    SECTION("a resolution that keeps the local value stays modified, on the server's sync count") {
        Record keep = remote_record("k", "v", 7);
        keep.modified = true;
        keep.device_last_modified = seen.device_last_modified;
        REQUIRE(things.settle(std::vector{SyncDataset::Settlement{seen, keep}}).value() == 0);
        auto stored = things.get_record("k").value();
        REQUIRE(stored);
        CHECK(*stored == keep);  // origin local, as keep.origin
        CHECK(things.modified_records().value().size() == 1);
    }
}

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: settle keeps a local edit made meanwhile, on the settled sync count",
                 "[core][dataset][settle]") {
    auto things = engine_dataset("things");
    REQUIRE(things.apply_remote(std::vector{remote_record("k", "base", 2)}).ok());
    REQUIRE(things.put("k", "v").ok());
    const Record seen = *things.get_record("k").value();
    const Record accepted = remote_record("k", "v", 7);
    now += 1000;

    SECTION("a new value") {
        REQUIRE(things.put("k", "edited meanwhile").ok());
        auto changed = things.settle(std::vector{SyncDataset::Settlement{seen, accepted}});
        REQUIRE(changed.ok());
        CHECK(*changed == 1);
        auto stored = things.get_record("k").value();
        REQUIRE(stored);
        CHECK(stored->value == std::optional<std::string>("edited meanwhile"));
        CHECK(stored->modified);
        CHECK(stored->origin == Origin::local);
        CHECK(stored->sync_count == 7);
        CHECK(stored->device_last_modified == now.load());
    }
    SECTION("a removal") {
        REQUIRE(things.remove("k").ok());
        REQUIRE(things.settle(std::vector{SyncDataset::Settlement{seen, accepted}}).value() == 1);
        auto stored = things.get_record("k").value();
        REQUIRE(stored);
        CHECK(stored->is_deleted());
        CHECK(stored->modified);
        CHECK(stored->sync_count == 7);
    }
    SECTION("an edit back to the value the engine saw (only the device time tells)") {
        REQUIRE(things.put("k", "other").ok());
        now += 1000;
        REQUIRE(things.put("k", "v").ok());
        REQUIRE(things.settle(std::vector{SyncDataset::Settlement{seen, accepted}}).value() == 1);
        auto stored = things.get_record("k").value();
        REQUIRE(stored);
        CHECK(stored->modified);
        CHECK(stored->sync_count == 7);
        CHECK(stored->device_last_modified == now.load());
    }
    SECTION("counted per record: the unchanged one is settled") {
        REQUIRE(things.put("quiet", "q").ok());
        const Record quiet_seen = *things.get_record("quiet").value();
        REQUIRE(things.put("k", "edited meanwhile").ok());
        auto changed =
            things.settle(std::vector{SyncDataset::Settlement{seen, accepted},
                                      SyncDataset::Settlement{quiet_seen, remote_record("quiet", "q", 7)}});
        REQUIRE(changed.ok());
        CHECK(*changed == 1);
        CHECK_FALSE(things.get_record("quiet").value()->modified);
        CHECK(things.get_record("k").value()->modified);
    }
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: settle skips a record removed meanwhile",
                 "[core][dataset][settle]") {
    auto things = engine_dataset("things");
    REQUIRE(things.put_all({{"a", "1"}, {"b", "2"}}).ok());
    const Record seen_a = *things.get_record("a").value();
    const Record seen_b = *things.get_record("b").value();
    REQUIRE(things.remove_dataset().ok());  // deletes the rows outright: no tombstones
    const std::vector settlements{SyncDataset::Settlement{seen_a, remote_record("a", "1", 3)},
                                  SyncDataset::Settlement{seen_b, remote_record("b", "2", 3)}};

    SECTION("nothing comes back") {
        auto changed = things.settle(settlements);
        REQUIRE(changed.ok());
        CHECK(*changed == 0);
        CHECK(things.get_all_records().value().empty());
        CHECK(things.metadata()->record_count == 0);
    }
    SECTION("a key written again since counts as changed and keeps the new value") {
        now += 1000;
        REQUIRE(things.put("b", "again").ok());
        auto changed = things.settle(settlements);
        REQUIRE(changed.ok());
        CHECK(*changed == 1);
        CHECK(things.get_record("a").value() == std::nullopt);
        auto b = things.get_record("b").value();
        REQUIRE(b);
        CHECK(b->value == std::optional<std::string>("again"));
        CHECK(b->modified);
        CHECK(b->sync_count == 3);
    }
}

TEST_CASE_METHOD(StoreFixture,
                 "SyncDataset: reset_after_remote_delete keeps the chosen records from sync count 0",
                 "[core][dataset][reset]") {
    auto things = engine_dataset("things");
    REQUIRE(things
                .apply_remote(std::vector{remote_record("clean", "c", 3), remote_record("edited", "base", 3),
                                          remote_record("gone-remote", std::nullopt, 3),
                                          remote_record("gone-local", "g", 3)})
                .ok());
    REQUIRE(things.put("edited", "e").ok());
    REQUIRE(things.put("new", "n").ok());
    REQUIRE(things.remove("gone-local").ok());
    REQUIRE(things.set_last_sync_count(3, "ok").ok());
    const auto device_time = now.load();
    now += 1000;

    const auto check_kept = [&](const std::string& key, const std::string& value) {
        INFO(key);
        auto record = things.get_record(key).value();
        REQUIRE(record);
        CHECK(record->value == std::optional<std::string>(value));
        CHECK(record->sync_count == 0);
        CHECK(record->last_modified == 0);
        CHECK(record->last_modified_by.empty());
        CHECK(record->modified);
        CHECK(record->origin == Origin::local);
        return record;
    };
    const auto keys = [&] {
        std::vector<std::string> out;
        for (const auto& record : things.get_all_records().value())
            out.push_back(record.key);
        return out;
    };

    SECTION("keep_local_edits: only live records with unpushed changes") {
        std::vector<Change> seen;
        auto subscription = things.on_change([&](const Change& c) { seen.push_back(c); });
        REQUIRE(things.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_local_edits).ok());
        CHECK(keys() == std::vector<std::string>{"edited", "new"});
        CHECK(check_kept("edited", "e")->device_last_modified == device_time);
        check_kept("new", "n");
        CHECK(things.last_sync_count().value() == 0);
        auto meta = things.metadata().value();
        CHECK(meta.record_count == 2);
        CHECK(meta.storage_bytes == 11);  // "edited" + "e", "new" + "n"
        // The clean record went with the server's copy: subscribers see a remote removal.
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].key == "clean");
        CHECK(seen[0].value == std::nullopt);
        CHECK(seen[0].origin == Origin::remote);
    }
    SECTION("keep_everything: every live record, all to be pushed again") {
        REQUIRE(things.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_everything).ok());
        CHECK(keys() == std::vector<std::string>{"clean", "edited", "new"});
        check_kept("clean", "c");
        check_kept("edited", "e");
        check_kept("new", "n");
        CHECK(things.modified_records().value().size() == 3);
        CHECK(things.last_sync_count().value() == 0);
        CHECK(things.metadata()->record_count == 3);
    }
    SECTION("a dataset waiting for its own remote deletion is reset to 0 too") {
        REQUIRE(things.remove_dataset().ok());
        REQUIRE(things.put("after", "a").ok());
        REQUIRE(things.last_sync_count().value() == -1);
        REQUIRE(things.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_local_edits).ok());
        CHECK(keys() == std::vector<std::string>{"after"});
        CHECK(things.last_sync_count().value() == 0);
        CHECK_FALSE(things.metadata()->pending_remote_delete());
    }
}

TEST_CASE_METHOD(StoreFixture, "SyncDataset: a pinned handle fails with cancelled after an identity switch",
                 "[core][dataset][identity]") {
    const std::string alice = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001";
    auto things = engine_dataset("things");
    auto pinned = things.pinned();
    REQUIRE(pinned.put("k", "before the switch").ok());  // pinned to the current identity: works
    REQUIRE(pinned.set_last_sync_count(4, "ok").ok());

    REQUIRE(store->set_identity_id(alice).ok());
    const auto records_before = things.get_all_records().value();  // the handle follows: alice's data
    REQUIRE(records_before.size() == 1);
    const auto meta_before = things.metadata().value();
    const auto feed_before = feed_size(*store);

    Record edit = remote_record("k", "local", 5);
    edit.modified = true;
    const Record seen = records_before[0];
    CHECK(pinned.merge_remote(std::vector{remote_record("k", "server", 9), remote_record("x", "y", 9)})
              .status()
              .code() == Errc::cancelled);
    CHECK(pinned.settle(std::vector{SyncDataset::Settlement{seen, remote_record("k", "server", 9)}})
              .status()
              .code() == Errc::cancelled);
    CHECK(pinned.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_local_edits).code() ==
          Errc::cancelled);
    CHECK(pinned.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_everything).code() ==
          Errc::cancelled);
    CHECK(pinned.apply_remote(std::vector{remote_record("k", "server", 9)}).code() == Errc::cancelled);
    CHECK(pinned.resolve(std::vector{edit}).code() == Errc::cancelled);
    CHECK(pinned.set_last_sync_count(9, "ok").code() == Errc::cancelled);
    CHECK(pinned.put("k", "after the switch").code() == Errc::cancelled);
    CHECK(pinned.remove("k").code() == Errc::cancelled);
    CHECK(pinned.remove_dataset().code() == Errc::cancelled);
    CHECK(pinned.get("k").status().code() == Errc::cancelled);
    CHECK(pinned.modified_records().status().code() == Errc::cancelled);
    CHECK(pinned.metadata().status().code() == Errc::cancelled);

    CHECK(things.get_all_records().value() == records_before);
    CHECK(things.metadata().value() == meta_before);
    CHECK(feed_size(*store) == feed_before);
    CHECK(store->list_datasets().value().size() == 1);

    // A handle pinned after the switch acts for the new identity.
    REQUIRE(things.pinned().merge_remote(std::vector{remote_record("x", "y", 9)}).ok());
    CHECK(things.get("x").value() == std::optional<std::string>("y"));
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
