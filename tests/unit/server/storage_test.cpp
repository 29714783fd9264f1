// The server's storage semantics (PROTOCOL.md §3), one rule per test, on the engine this binary is built
// for (support/test_storage.hpp: SQLite in server_tests, PostgreSQL in postgres_tests).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/numbered.hpp"
#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using sync::PatchOp;
using sync::RecordPatch;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

struct ServerFixture {
    ServerFixture() { reopen(); }

    void reopen(SyncLimits limits = {}) {
        store.reset();
        store = site.open_or_fail(limits);
        REQUIRE(store->ensure_pool(kPool, now).ok());
        if (identity.empty()) identity = store->create_identity(kPool, now).value();
    }

    std::vector<sync::WireRecord> update(const std::string& dataset, std::vector<RecordPatch> patches) {
        auto written = store->update_records(identity, dataset, "device-a", patches, ++now);
        INFO(written.status().to_string());
        REQUIRE(written.ok());
        return std::move(written).value().records;
    }

    sync::ListRecordsResult list(const std::string& dataset, std::int64_t last_sync_count = 0) {
        auto page = store->list_records(identity, dataset, last_sync_count, "", 0);
        INFO(page.status().to_string());
        REQUIRE(page.ok());
        return std::move(page).value();
    }

    static RecordPatch put(std::string key, std::string value, std::int64_t sync_count) {
        return RecordPatch{PatchOp::replace, std::move(key), std::move(value), sync_count, std::nullopt};
    }
    static RecordPatch remove(std::string key, std::int64_t sync_count) {
        return RecordPatch{PatchOp::remove, std::move(key), std::nullopt, sync_count, std::nullopt};
    }

    test::TestStorageSite site;
    sync::EpochMillis now = 1'700'000'000'000;
    std::unique_ptr<Storage> store;
    std::string identity;
};

}  // namespace

TEST_CASE_METHOD(ServerFixture, "Storage: identities are region:uuid-v4 in an existing pool",
                 "[server][store]") {
    CHECK(identity.starts_with("us-east-1:"));
    CHECK(identity.size() == std::string("us-east-1:").size() + 36);
    CHECK(identity[std::string("us-east-1:").size() + 14] == '4');
    CHECK(store->pool_of(identity).value() == kPool);
    CHECK(store->create_identity("us-east-1:11111111-0000-0000-0000-000000000000", now).status().code() ==
          Errc::not_found);
    CHECK(store->create_identity("bad pool", now).status().code() == Errc::invalid_argument);
    CHECK(store->pool_of("us-east-1:ffffffff-0000-4000-8000-000000000000").status().code() ==
          Errc::not_found);
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: credentials are issued in the group commit, durable, and expired ones dropped",
                 "[server][store]") {
    constexpr EpochMillis kHour = 60 * 60 * 1000;
    // Concurrent issues share commits; each answer is a set of its own.
    std::mutex mutex;
    std::condition_variable all_done;
    std::vector<Result<IdentityCredentials>> answers;
    for (int i = 0; i < 20; ++i) {
        store->submit_issue_credentials(identity, now, kHour, [&](Result<IdentityCredentials> issued) {
            std::lock_guard lock(mutex);
            answers.push_back(std::move(issued));
            all_done.notify_all();
        });
    }
    {
        std::unique_lock lock(mutex);
        all_done.wait(lock, [&] { return answers.size() == 20; });
    }
    std::set<std::string> keys;
    for (const auto& issued : answers) {
        REQUIRE(issued.ok());
        CHECK(issued->identity_id == identity);
        CHECK(issued->expiration == now + kHour);
        CHECK(issued->access_key_id.size() == 24);
        keys.insert(issued->access_key_id);
    }
    CHECK(keys.size() == 20);
    CHECK(store->issue_credentials("us-east-1:ffffffff-0000-4000-8000-000000000000", now, kHour)
              .status()
              .code() == Errc::not_found);

    // Durable: found after a restart (no cache), and dropped by the first issue after they expire.
    const std::string first = answers.front()->access_key_id;
    reopen();
    CHECK(store->find_credentials(first).value().secret_key == answers.front()->secret_key);
    REQUIRE(store->issue_credentials(identity, now + kHour + 1, kHour).ok());
    reopen();
    CHECK(store->find_credentials(first).status().code() == Errc::unauthorized);
}

TEST_CASE_METHOD(ServerFixture, "Storage: a new dataset lists as empty and not existing", "[server][store]") {
    auto page = list("things");
    CHECK(page.records.empty());
    CHECK_FALSE(page.dataset_exists);
    CHECK(page.dataset_sync_count == 0);
    CHECK_FALSE(page.dataset_deleted_after_requested_sync_count);
    CHECK(store->describe_dataset(identity, "things").status().code() == Errc::not_found);
}

TEST_CASE_METHOD(ServerFixture, "Storage: each UpdateRecords raises the dataset count by one",
                 "[server][store]") {
    auto first = update("things", {put("a", "1", 0), put("b", "2", 0)});
    REQUIRE(first.size() == 2);
    CHECK(first[0].sync_count == 1);
    CHECK(first[1].sync_count == 1);
    CHECK(first[0].last_modified_by == "device-a");
    auto second = update("things", {put("a", "1b", 1)});
    CHECK(second[0].sync_count == 2);
    auto page = list("things");
    CHECK(page.dataset_exists);
    CHECK(page.dataset_sync_count == 2);
    CHECK(page.records.size() == 2);
    // Only what changed after a count is listed.
    auto since = list("things", 1);
    REQUIRE(since.records.size() == 1);
    CHECK(since.records[0].key == "a");
    CHECK(*since.records[0].value == "1b");
}

TEST_CASE_METHOD(ServerFixture, "Storage: a stale sync count is a conflict and writes nothing",
                 "[server][store]") {
    update("things", {put("a", "1", 0)});
    update("things", {put("a", "2", 1)});
    auto stale = store->update_records(identity, "things", "device-b",
                                       {put("b", "new", 0), put("a", "old", 1)}, ++now);
    REQUIRE(stale.status().code() == Errc::conflict);
    CHECK(stale.status().message() == "Current SyncCount for: a is: 2 not: 1");
    auto page = list("things");
    CHECK(page.dataset_sync_count == 2);
    CHECK(page.records.size() == 1);                                    // "b" was not written either
    CHECK(store->read_stream("dataset-changes", 0, 100)->size() == 2);  // and no event was appended
}

TEST_CASE_METHOD(ServerFixture, "Storage: a higher sync count than stored is accepted", "[server][store]") {
    update("things", {put("a", "1", 0)});
    auto written = update("things", {put("a", "2", 50)});
    CHECK(written[0].sync_count == 2);
}

TEST_CASE_METHOD(ServerFixture, "Storage: removes are listed as tombstones", "[server][store]") {
    update("things", {put("a", "1", 0), put("b", "2", 0)});
    update("things", {remove("a", 1), remove("never-synced", 0)});
    auto page = list("things", 1);
    REQUIRE(page.records.size() == 2);
    CHECK(page.records[0].key == "a");
    CHECK_FALSE(page.records[0].value);
    auto described = store->describe_dataset(identity, "things").value();
    CHECK(described.num_records == 1);
    CHECK(described.data_storage == 2);  // "b" + "2"
}

TEST_CASE_METHOD(ServerFixture, "Storage: a count above the dataset's is 'No such SyncCount'",
                 "[server][store]") {
    update("things", {put("a", "1", 0)});
    auto page = store->list_records(identity, "things", 5, "", 0);
    CHECK(page.status().code() == Errc::invalid_argument);
    CHECK_THAT(page.status().message(), Catch::Contains("No such SyncCount"));
}

TEST_CASE_METHOD(ServerFixture, "Storage: pages follow NextToken in sync count order", "[server][store]") {
    SyncLimits raised;
    raised.max_records_per_dataset = 10'000;
    raised.max_bytes_per_dataset = 10'000'000;
    raised.max_patches_per_request = 10'000;
    reopen(raised);
    std::vector<RecordPatch> patches;
    for (int i = 0; i < 2500; ++i)
        patches.push_back(put("key-" + std::to_string(i), "v", 0));
    update("big", patches);
    update("big", {put("key-7", "changed", 1)});

    std::vector<std::string> seen;
    std::string token;
    int pages = 0;
    do {
        auto page = store->list_records(identity, "big", 0, token, 1024);
        REQUIRE(page.ok());
        for (const auto& r : page->records)
            seen.push_back(r.key);
        token = page->next_token.value_or("");
        ++pages;
    } while (!token.empty());
    CHECK(pages == 3);
    CHECK(seen.size() == 2500);
    CHECK(seen.back() == "key-7");  // the newest version comes last
    CHECK(store->list_records(identity, "big", 0, "garbage", 10).status().code() == Errc::invalid_argument);
}

TEST_CASE_METHOD(ServerFixture, "Storage: deletion keeps counts monotonic and is reported",
                 "[server][store]") {
    update("things", {put("a", "1", 0)});
    update("things", {put("b", "2", 0)});
    auto deleted = store->delete_dataset(identity, "things", ++now);
    REQUIRE(deleted.ok());
    CHECK(deleted->num_records == 2);
    CHECK(store->describe_dataset(identity, "things").status().code() == Errc::not_found);
    CHECK(store->delete_dataset(identity, "things", ++now).status().code() == Errc::not_found);

    auto after = list("things", 2);
    CHECK_FALSE(after.dataset_exists);
    CHECK(after.dataset_deleted_after_requested_sync_count);
    CHECK(after.records.empty());

    auto recreated = update("things", {put("c", "3", 0)});
    CHECK(recreated[0].sync_count == 3);  // not 1: counts survive the delete
    auto page = list("things", 0);
    CHECK(page.records.size() == 1);
    CHECK(list("things", 2).dataset_deleted_after_requested_sync_count);
    CHECK_FALSE(list("things", 3).dataset_deleted_after_requested_sync_count);
}

TEST_CASE_METHOD(ServerFixture, "Storage: every successful UpdateRecords appends one Cognito Streams event",
                 "[server][store]") {
    update("things", {put("a", "1", 0), remove("b", 0)});
    auto events = store->read_stream("dataset-changes", 0, 10).value();
    REQUIRE(events.size() == 1);
    CHECK(events[0].partition_key == identity);
    auto event = nlohmann::json::parse(events[0].data);
    CHECK(event.at("identityPoolId") == kPool);
    CHECK(event.at("identityId") == identity);
    CHECK(event.at("datasetName") == "things");
    CHECK(event.at("syncCount") == 1);
    CHECK(event.at("payloadType") == "Inline");
    CHECK(event.at("lastModifiedDate") == now);
    auto records = event.at("kinesisSyncRecords");
    REQUIRE(records.size() == 2);
    CHECK(records[0].at("key") == "a");
    CHECK(records[0].at("value") == "1");
    CHECK(records[0].at("op") == "replace");
    CHECK(records[1].at("op") == "remove");
    CHECK_FALSE(records[1].contains("value"));
}

TEST_CASE_METHOD(ServerFixture, "Storage: quotas are LimitExceeded and write nothing", "[server][store]") {
    SyncLimits small;
    small.max_datasets_per_identity = 2;
    small.max_records_per_dataset = 3;
    small.max_bytes_per_dataset = 20;
    small.max_patches_per_request = 4;
    reopen(small);
    update("one", {put("a", "1", 0)});
    update("two", {put("a", "1", 0)});
    CHECK(store->update_records(identity, "three", "d", {put("a", "1", 0)}, ++now).status().code() ==
          Errc::limit_exceeded);
    CHECK(store
              ->update_records(identity, "one", "d", {put("b", "1", 1), put("c", "1", 1), put("d", "1", 1)},
                               ++now)
              .status()
              .code() == Errc::limit_exceeded);
    CHECK(store->update_records(identity, "one", "d", {put("big", std::string(30, 'x'), 1)}, ++now)
              .status()
              .code() == Errc::limit_exceeded);
    std::vector<RecordPatch> five;
    for (int i = 0; i < 5; ++i)
        five.push_back(put(test::numbered("k", i), "v", 0));
    CHECK(store->update_records(identity, "one", "d", five, ++now).status().code() == Errc::limit_exceeded);
    CHECK(list("one").dataset_sync_count == 1);
    CHECK(store->describe_identity_usage(identity)->dataset_count == 2);
}

TEST_CASE_METHOD(ServerFixture, "Storage: bad names, keys and duplicate keys are invalid and write nothing",
                 "[server][store]") {
    CHECK(store->update_records(identity, "bad name", "d", {put("a", "1", 0)}, ++now).status().code() ==
          Errc::invalid_argument);
    CHECK(store->update_records(identity, "things", "d", {put("", "1", 0)}, ++now).status().code() ==
          Errc::invalid_argument);
    CHECK(store->update_records(identity, "things", "d", {put("a", "1", 0), put("a", "2", 0)}, ++now)
              .status()
              .code() == Errc::invalid_argument);
    CHECK(store->list_records(identity, "../x", 0, "", 0).status().code() == Errc::invalid_argument);
    CHECK(store->list_records(identity, "things", -1, "", 0).status().code() == Errc::invalid_argument);
    CHECK_FALSE(list("things").dataset_exists);
    CHECK(store->read_stream("dataset-changes", 0, 10)->empty());
}

TEST_CASE_METHOD(ServerFixture, "Storage: a dataset named with a dot is not a merged dataset",
                 "[server][store]") {
    // An app's own datasets "game" and "game.v2", and one named like a merged identity's, with no merge:
    // listing any of them as merged would make the SDKs cancel the sync of "game".
    update("game", {put("a", "1", 0)});
    update("game.v2", {put("a", "2", 0)});
    update("game.us-east-1:aaaaaaaa-0000-4000-8000-000000000001", {put("a", "old", 0)});
    CHECK(list("game").merged_dataset_names.empty());
    CHECK(list("game.v2").merged_dataset_names.empty());
}

TEST_CASE_METHOD(ServerFixture, "Storage: datasets and usage report what was written", "[server][store]") {
    update("alpha", {put("k", "12345", 0)});
    update("beta", {put("kk", "1", 0), put("x", "yz", 0)});
    auto datasets = store->list_datasets(identity, "", 1);
    REQUIRE(datasets.ok());
    REQUIRE(datasets->datasets.size() == 1);
    CHECK(datasets->datasets[0].dataset_name == "alpha");
    REQUIRE(datasets->next_token);
    auto rest = store->list_datasets(identity, *datasets->next_token, 10).value();
    REQUIRE(rest.datasets.size() == 1);
    CHECK(rest.datasets[0].dataset_name == "beta");
    CHECK(rest.datasets[0].num_records == 2);
    CHECK(rest.datasets[0].data_storage == 6);
    auto usage = store->describe_identity_usage(identity).value();
    CHECK(usage.dataset_count == 2);
    CHECK(usage.data_storage == 12);
    CHECK(usage.identity_pool_id == kPool);
    auto pool = store->describe_pool_usage(kPool).value();
    CHECK(pool.data_storage == 12);
    CHECK(pool.sync_sessions_count == 2);
}

TEST_CASE_METHOD(ServerFixture, "Storage: data, counts and the secret survive a restart", "[server][store]") {
    update("things", {put("a", "1", 0)});
    const auto secret = store->server_secret().value();
    CHECK(secret.size() == 64);
    reopen();
    CHECK(list("things").dataset_sync_count == 1);
    CHECK(store->server_secret().value() == secret);
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: stream retention keeps the newest records per stream and drops old ones",
                 "[server][store]") {
    for (int i = 0; i < 5; ++i)
        REQUIRE(store->append_stream("events", "p", "{}", 1000 + i).ok());
    for (int i = 0; i < 3; ++i)
        REQUIRE(store->append_stream("dataset-changes", "p", "{}", 2000 + i).ok());
    auto prune = [&](EpochMillis oldest_kept, std::int64_t max_per_stream) {
        return store->prune_streams({oldest_kept, max_per_stream, 0}).value().dropped;
    };
    // By count: each stream keeps its newest two.
    CHECK(prune(0, 2) == 4);
    auto events = store->read_stream("events", 0, 100).value();
    REQUIRE(events.size() == 2);
    CHECK(events[0].created == 1003);
    CHECK(events[1].created == 1004);
    CHECK(store->read_stream("dataset-changes", 0, 100)->size() == 2);
    // By age: everything created before 2002 goes, whatever the count limit.
    CHECK(prune(2002, 0) == 3);
    CHECK(store->read_stream("events", 0, 100)->empty());
    CHECK(store->read_stream("dataset-changes", 0, 100)->size() == 1);
    // Sequence numbers keep counting after pruning.
    const auto next = store->append_stream("events", "p", "{}", 3000).value();
    CHECK(next > events[1].seq);
    CHECK(prune(0, 0) == 0);
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: stream retention waits for registered consumers, a hard cap does not and says so",
                 "[server][store]") {
    std::vector<std::int64_t> seqs;
    for (int i = 0; i < 10; ++i)
        seqs.push_back(store->append_stream("events", "p", "{}", 1000 + i).value());
    REQUIRE(store->set_checkpoint({"events", "slow", seqs[2]}, 1).ok());
    REQUIRE(store->set_checkpoint({"events", "fast", seqs[8]}, 1).ok());
    REQUIRE(store->append_stream("dataset-changes", "p", "{}", 1000).ok());  // no consumer: not held

    // Soft limits (keep 2, and nothing older than 5000) stop at the slowest reader of the stream.
    auto soft = store->prune_streams({5000, 2, 0}).value();
    CHECK(soft.dropped == 3 + 1);  // events up to seqs[2], and dataset-changes' one record
    REQUIRE(soft.held.size() == 1);
    CHECK(soft.held[0].stream == "events");
    CHECK(soft.held[0].group == "slow");
    CHECK(soft.held[0].checkpoint == seqs[2]);
    CHECK(soft.held[0].records == 7);  // seqs[3..9]: past the limits, unread by "slow"
    CHECK(soft.unread.empty());
    CHECK(store->read_stream("events", 0, 100)->front().seq == seqs[3]);
    CHECK(store->trimmed_through("events").value() == seqs[2]);
    CHECK(store->trimmed_through("never-written").value() == 0);

    // The data lake's checkpoint ("all") holds every stream.
    REQUIRE(store->set_checkpoint({"all", "lake", seqs[1]}, 1).ok());
    CHECK(store->prune_streams({5000, 2, 0}).value().dropped == 0);
    CHECK(store->remove_checkpoint("all", "lake").value());
    CHECK_FALSE(store->remove_checkpoint("all", "lake").value());

    // The hard cap (keep 4) drops what "slow" has not read, and reports it; "fast" had read it.
    auto hard = store->prune_streams({0, 0, 4}).value();
    CHECK(hard.dropped == 3);  // seqs[3..5]
    REQUIRE(hard.unread.size() == 1);
    CHECK(hard.unread[0].group == "slow");
    CHECK(hard.unread[0].checkpoint == seqs[2]);
    CHECK(hard.unread[0].records == 3);
    CHECK(hard.unread[0].through_seq == seqs[5]);
    CHECK(store->trimmed_through("events").value() == seqs[5]);

    // Once the slow consumer is removed, the soft limits apply again.
    CHECK(store->remove_checkpoint("events", "slow").value());
    auto after = store->prune_streams({0, 2, 0}).value();
    CHECK(after.dropped == 2);  // seqs[6..7]; "fast" read up to seqs[8]
    CHECK(after.held.empty());
    CHECK(store->read_stream("events", 0, 100)->size() == 2);
}

TEST_CASE_METHOD(ServerFixture, "Storage: bulk publish goes in batches, once at a time, and ends recorded",
                 "[server][store][bulkpublish]") {
    update("one", {put("a", "1", 0)});
    update("two", {put("b", "2", 0), put("c", "3", 0)});
    update("three", {put("d", "4", 0)});
    update("three", {remove("d", 1)});  // exists, with no live record
    update("gone", {put("e", "5", 0)});
    REQUIRE(store->delete_dataset(identity, "gone", ++now).ok());
    const auto events_before = store->read_stream("dataset-changes", 0, 100)->size();

    REQUIRE(store->begin_bulk_publish(kPool, ++now).value() == server::BulkPublishStart::started);
    CHECK(store->begin_bulk_publish(kPool, ++now).value() == server::BulkPublishStart::in_progress);
    CHECK(store->bulk_publish_details(kPool)->status == "IN_PROGRESS");

    std::optional<server::DatasetKey> position;
    int batches = 0;
    for (;;) {
        auto last = store->publish_datasets(kPool, position, 2, ++now);
        REQUIRE(last.ok());
        if (!*last) break;
        position = *last;
        ++batches;
    }
    CHECK(batches == 2);  // three existing datasets, two per batch; the deleted one is skipped
    const auto events = store->read_stream("dataset-changes", 0, 100).value();
    REQUIRE(events.size() == events_before + 3);
    const auto two =
        nlohmann::json::parse(events[events_before + 2].data);  // ordered by name: one, three, two
    CHECK(two.at("datasetName") == "two");
    CHECK(two.at("kinesisSyncRecords").size() == 2);
    CHECK(nlohmann::json::parse(events[events_before + 1].data).at("kinesisSyncRecords").empty());

    REQUIRE(store->finish_bulk_publish(kPool, {}, ++now).ok());
    const auto done = store->bulk_publish_details(kPool).value();
    CHECK(done.status == "SUCCEEDED");
    CHECK(done.completed == now);
    CHECK(store->begin_bulk_publish(kPool, now + 60'000).value() ==
          server::BulkPublishStart::already_streamed);
    CHECK(store->begin_bulk_publish(kPool, now + 25 * 3600 * 1000).value() ==
          server::BulkPublishStart::started);

    // As at the next start after a crash, long after: whatever the engine's lease, this runner is gone.
    REQUIRE(store->fail_interrupted_bulk_publishes(now + 26 * 3600 * 1000).ok());
    const auto interrupted = store->bulk_publish_details(kPool).value();
    CHECK(interrupted.status == "FAILED");
    CHECK(interrupted.failure.find("interrupted") != std::string::npos);
    CHECK(store->bulk_publish_details("us-east-1:00000000-0000-4000-8000-0000000000ff").status().code() ==
          Errc::not_found);
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: a bulk publish is failed as interrupted only once its runner is gone",
                 "[server][store][bulkpublish]") {
    REQUIRE(store->begin_bulk_publish(kPool, now).value() == server::BulkPublishStart::started);
    CHECK(store->publish_datasets(kPool, std::nullopt, 100, now + 1).value() == std::nullopt);  // no datasets
#ifdef SYNCLATCH_TEST_ON_POSTGRES
    // Servers share the database: one starting up leaves alone a bulk publish whose runner published lately.
    REQUIRE(store->fail_interrupted_bulk_publishes(now + 2).ok());
    CHECK(store->bulk_publish_details(kPool)->status == "IN_PROGRESS");
    CHECK(store->begin_bulk_publish(kPool, now + 3).value() == server::BulkPublishStart::in_progress);
    // Its lease runs from its last batch.
    REQUIRE(store->publish_datasets(kPool, std::nullopt, 100, now + PgStorage::kBulkPublishLeaseMs).ok());
    REQUIRE(store->fail_interrupted_bulk_publishes(now + PgStorage::kBulkPublishLeaseMs + 2).ok());
    CHECK(store->bulk_publish_details(kPool)->status == "IN_PROGRESS");
    // A runner gone for longer than the lease: a new bulk publish takes over (none would end the old one).
    const EpochMillis later = now + 3 * PgStorage::kBulkPublishLeaseMs;
    CHECK(store->begin_bulk_publish(kPool, later).value() == server::BulkPublishStart::started);
    CHECK(store->bulk_publish_details(kPool)->started == later);
    now = later;
#endif
    REQUIRE(store->fail_interrupted_bulk_publishes(now + 3600 * 1000).ok());
    const auto failed = store->bulk_publish_details(kPool).value();
    CHECK(failed.status == "FAILED");
    CHECK(failed.completed == now + 3600 * 1000);
    // Its runner, back too late, publishes nothing more, and its end changes nothing.
    CHECK_FALSE(store->publish_datasets(kPool, std::nullopt, 100, now + 3600 * 1000 + 1).ok());
    REQUIRE(store->finish_bulk_publish(kPool, {}, now + 3600 * 1000 + 2).ok());
    CHECK(store->bulk_publish_details(kPool)->status == "FAILED");
}

TEST_CASE_METHOD(ServerFixture, "Storage: pools made through the API keep their definitions until deleted",
                 "[server][store][pools]") {
    const std::string api_pool = "us-east-1:22222222-0000-4000-8000-000000000000";
    const std::string second = "us-east-1:33333333-0000-4000-8000-000000000000";
    CHECK(store->pool_definition(kPool).value() == std::nullopt);  // a pool of the options
    CHECK(store->pool_definition(api_pool).status().code() == Errc::not_found);
    CHECK_FALSE(store->pool_exists(api_pool));

    REQUIRE(store->create_pool(api_pool, R"({"IdentityPoolName":"one"})", now).ok());
    CHECK(store->create_pool(api_pool, R"({"IdentityPoolName":"again"})", now).code() == Errc::conflict);
    CHECK(store->create_pool(kPool, "{}", now).code() == Errc::conflict);
    REQUIRE(store->create_pool(second, R"({"IdentityPoolName":"two"})", now).ok());
    CHECK(store->pool_exists(api_pool));
    CHECK(store->pool_definition(api_pool).value() == R"({"IdentityPoolName":"one"})");
    CHECK(store->count_api_pools().value() == 2);
    const std::vector<std::pair<std::string, std::string>> definitions{
        {api_pool, R"({"IdentityPoolName":"one"})"}, {second, R"({"IdentityPoolName":"two"})"}};
    CHECK(store->pool_definitions().value() == definitions);

    REQUIRE(store->update_pool_definition(api_pool, R"({"IdentityPoolName":"renamed"})", ++now).ok());
    CHECK(store->pool_definition(api_pool).value() == R"({"IdentityPoolName":"renamed"})");
    CHECK(store->update_pool_definition(kPool, "{}", ++now).code() == Errc::not_found);

    // Every pool in id order, a page at a time, those of the options too.
    auto first_page = store->list_pools("", 2).value();
    REQUIRE(first_page.size() == 2);
    CHECK(first_page[0].pool_id == kPool);
    CHECK_FALSE(first_page[0].definition);
    CHECK(first_page[1].pool_id == api_pool);
    CHECK(first_page[1].definition == R"({"IdentityPoolName":"renamed"})");
    auto second_page = store->list_pools(first_page[1].pool_id, 2).value();
    REQUIRE(second_page.size() == 1);
    CHECK(second_page[0].pool_id == second);

    // Deleted with every identity and all it holds; those of the options are not deleted here.
    const std::string member = store->create_identity(api_pool, now).value();
    const auto credentials = store->issue_credentials(member, now, 3600 * 1000).value();
    REQUIRE(store->identity_for_logins(api_pool, {Login{"accounts.example.com", "alice"}}, now).ok());
    CHECK(store->delete_pool(kPool).code() == Errc::not_found);
    REQUIRE(store->delete_pool(api_pool).ok());
    CHECK_FALSE(store->pool_exists(api_pool));
    CHECK(store->pool_of(member).status().code() == Errc::not_found);
    CHECK(store->find_credentials(credentials.access_key_id).status().code() == Errc::unauthorized);
    CHECK(store->create_identity(api_pool, now).status().code() == Errc::not_found);
    CHECK(store->count_api_pools().value() == 1);
    CHECK(store->delete_pool(api_pool).code() == Errc::not_found);
    CHECK(store->pool_of(identity).ok());
    // Made again, the pool starts empty: the login is new there.
    REQUIRE(store->create_pool(api_pool, "{}", now).ok());
    CHECK(store->identity_for_logins(api_pool, {Login{"accounts.example.com", "alice"}}, now)->created);
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: a pool's configuration merges updates, its events hold the SyncTrigger",
                 "[server][store][pools]") {
    CHECK(store->pool_configuration(kPool).value() == "{}");
    auto stored = store->update_pool_configuration(kPool, [](std::string_view old) -> Result<std::string> {
        CHECK(old == "{}");
        return std::string(R"({"PushSync":{}})");
    });
    CHECK(stored.value() == R"({"PushSync":{}})");
    auto refused = store->update_pool_configuration(kPool, [](std::string_view) -> Result<std::string> {
        return Status{Errc::invalid_argument, "no"};
    });
    CHECK(refused.status().code() == Errc::invalid_argument);
    CHECK(store->pool_configuration(kPool).value() == R"({"PushSync":{}})");
    const std::string unknown = "us-east-1:44444444-0000-4000-8000-000000000000";
    CHECK(store->pool_configuration(unknown).status().code() == Errc::not_found);
    CHECK(store
              ->update_pool_configuration(
                  unknown, [](std::string_view s) -> Result<std::string> { return std::string(s); })
              .status()
              .code() == Errc::not_found);

    CHECK(store->cognito_events(kPool).value() == "{}");
    CHECK(store->sync_trigger(kPool).value().empty());
    const std::string events = R"({"SyncTrigger":"arn:aws:lambda:us-east-1:0:function:f"})";
    REQUIRE(store->set_cognito_events(kPool, events, "arn:aws:lambda:us-east-1:0:function:f").ok());
    CHECK(store->cognito_events(kPool).value() == events);
    CHECK(store->sync_trigger(kPool).value() == "arn:aws:lambda:us-east-1:0:function:f");
    CHECK(store->set_cognito_events(unknown, "{}", "").code() == Errc::not_found);
    CHECK(store->sync_trigger(unknown).status().code() == Errc::not_found);
    reopen();  // read from the database, not a cache
    CHECK(store->sync_trigger(kPool).value() == "arn:aws:lambda:us-east-1:0:function:f");
}

TEST_CASE_METHOD(ServerFixture,
                 "Storage: a device keeps its id, and subscribes only to its identity's datasets",
                 "[server][store][devices]") {
    const auto device = store->register_device(identity, "APNS", "token-1", now).value();
    CHECK(device.size() == 36);
    CHECK(store->register_device(identity, "APNS", "token-1", now).value() == device);
    const auto other_platform = store->register_device(identity, "GCM", "token-1", now).value();
    CHECK(other_platform != device);
    CHECK(store->register_device(identity, "SMS", "token-1", now).status().code() == Errc::invalid_argument);
    CHECK(store->register_device(identity, "GCM", "", now).status().code() == Errc::invalid_argument);
    CHECK(store->device_owner(device).value() == identity);
    CHECK(store->device_owner("00000000-0000-0000-0000-000000000000").status().code() == Errc::not_found);

    const std::string someone_else = store->create_identity(kPool, now).value();
    const auto theirs = store->register_device(someone_else, "APNS", "token-1", now).value();
    CHECK(theirs != device);
    REQUIRE(store->subscribe(identity, "game", device).ok());
    REQUIRE(store->subscribe(identity, "game", device).ok());  // twice: still one subscription
    CHECK(store->subscribe(identity, "game", theirs).code() == Errc::not_found);
    CHECK(store->subscribe(identity, "bad name!", device).code() == Errc::invalid_argument);
    REQUIRE(store->unsubscribe(identity, "game", device).ok());
    REQUIRE(store->unsubscribe(identity, "game", device).ok());
    CHECK(store->unsubscribe(identity, "game", theirs).code() == Errc::not_found);
}

TEST_CASE_METHOD(ServerFixture, "Storage: concurrent configuration updates keep each other's sections",
                 "[server][store][pools][concurrency]") {
    constexpr int kThreads = 3;
    constexpr int kUpdates = 10;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kUpdates; ++i) {
                auto stored =
                    store->update_pool_configuration(kPool, [&](std::string_view old) -> Result<std::string> {
                        auto configuration = nlohmann::json::parse(old);
                        configuration["t" + std::to_string(t) + "-" + std::to_string(i)] = i;
                        return configuration.dump();
                    });
                if (!stored.ok()) ++failures;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(failures == 0);
    CHECK(nlohmann::json::parse(store->pool_configuration(kPool).value()).size() == kThreads * kUpdates);
}
