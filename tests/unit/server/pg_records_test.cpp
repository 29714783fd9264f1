// Record writes on PostgreSQL with several servers on one database (issue 17): what the shared storage
// tests cannot show with one store. Writes from two servers to one dataset serialize on its row, even its
// first ones, and the deployment clock never hands out a number twice.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/postgres/pg_storage.hpp"
#include "support/pg_test_database.hpp"

using namespace synclatch;
using namespace synclatch::server;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

std::unique_ptr<PgStorage> open_server(const std::string& url) {
    PgStorageOptions options;
    options.url = url;
    options.deployment_id = "dep-a";
    auto opened = PgStorage::open(options);
    INFO(opened.status().to_string());
    REQUIRE(opened.ok());
    return std::move(opened).value();
}

}  // namespace

TEST_CASE("PgStorage records: two servers' first writes to one dataset each get their own sync count",
          "[postgres][server][store]") {
    const std::string url = test::fresh_pg_database("records_");
    auto one = open_server(url);
    auto two = open_server(url);
    const sync::EpochMillis now = 1'700'000'000'000;
    REQUIRE(one->ensure_pool(kPool, now).ok());
    const std::string identity = one->create_identity(kPool, now).value();

    constexpr int kPerServer = 40;
    std::mutex mutex;
    std::condition_variable all_done;
    int pending = 2 * kPerServer;
    std::vector<Status> failures;
    std::set<std::int64_t> sync_counts;
    for (int i = 0; i < 2 * kPerServer; ++i) {
        PgStorage& server = i % 2 == 0 ? *one : *two;
        std::vector<sync::RecordPatch> patches{
            {sync::PatchOp::replace, "key-" + std::to_string(i), "v", 0, std::nullopt}};
        server.submit_update_records(identity, "shared", "device", std::move(patches), now + i,
                                     [&](Result<UpdateRecordsOutcome> outcome) {
                                         std::lock_guard lock(mutex);
                                         if (outcome.ok()) {
                                             sync_counts.insert(outcome->records.at(0).sync_count);
                                         } else {
                                             failures.push_back(outcome.status());
                                         }
                                         if (--pending == 0) all_done.notify_all();
                                     });
    }
    {
        std::unique_lock lock(mutex);
        all_done.wait(lock, [&] { return pending == 0; });
    }
    INFO((failures.empty() ? std::string() : failures.front().to_string()));
    REQUIRE(failures.empty());
    // Every write raised the count by one: 1 to N, none twice.
    CHECK(sync_counts.size() == 2 * kPerServer);
    CHECK(*sync_counts.begin() == 1);
    CHECK(*sync_counts.rbegin() == 2 * kPerServer);
    const auto page = two->list_records(identity, "shared", 0, "", 0).value();
    CHECK(page.dataset_sync_count == 2 * kPerServer);
    CHECK(page.records.size() == 2 * kPerServer);

    // One event per write, and each version this deployment numbered has an origin sequence of its own.
    const auto events = one->read_stream("dataset-changes", 0, 1000).value();
    CHECK(events.size() == 2 * kPerServer);
    std::set<std::int64_t> origin_seqs;
    for (const auto& event : events) {
        const auto change = nlohmann::json::parse(event.data);
        for (const auto& record : change.at("kinesisSyncRecords"))
            origin_seqs.insert(record.at("originSeq").get<std::int64_t>());
    }
    CHECK(origin_seqs.size() == 2 * kPerServer);
    CHECK(two->describe_pool_usage(kPool).value().sync_sessions_count == 2 * kPerServer);
}

TEST_CASE("PgStorage records: a write racing a merge is moved with the rest, or not found, never left behind",
          "[postgres][server][store]") {
    const std::string url = test::fresh_pg_database("records_");
    auto one = open_server(url);
    auto two = open_server(url);
    const sync::EpochMillis now = 1'700'000'000'000;
    REQUIRE(one->ensure_pool(kPool, now).ok());
    const std::string survivor = one->create_identity(kPool, now).value();
    const std::string merged = one->create_identity(kPool, now).value();
    REQUIRE(
        one->update_records(merged, "game", "device", {{sync::PatchOp::replace, "first", "1", 0, {}}}, now)
            .ok());

    constexpr int kWrites = 40;
    std::mutex mutex;
    std::condition_variable all_done;
    std::condition_variable progress;
    int pending = kWrites;
    std::set<std::string> written;
    std::vector<Status> failures;
    // Writes keep coming from another thread while the merge runs.
    std::thread writer([&] {
        for (int i = 0; i < kWrites; ++i) {
            const std::string key = "key-" + std::to_string(i);
            two->submit_update_records(merged, "game", "device", {{sync::PatchOp::replace, key, "v", 0, {}}},
                                       now + i, [&, key](Result<UpdateRecordsOutcome> outcome) {
                                           std::lock_guard lock(mutex);
                                           if (outcome.ok()) {
                                               written.insert(key);
                                           } else {
                                               failures.push_back(outcome.status());
                                           }
                                           if (--pending == 0) all_done.notify_all();
                                           progress.notify_all();
                                       });
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    {
        std::unique_lock lock(mutex);
        progress.wait(lock, [&] { return pending <= kWrites - kWrites / 4; });
    }
    const Status merge = one->merge(survivor, merged, now + kWrites).status();
    writer.join();
    REQUIRE(merge.ok());
    {
        std::unique_lock lock(mutex);
        all_done.wait(lock, [&] { return pending == 0; });
    }
    for (const auto& failure : failures)
        CHECK(failure.code() == Errc::not_found);
    // Every acknowledged write is under the survivor now; nothing is left under the merged identity.
    const auto moved = one->list_records(survivor, "game." + merged, 0, "", 0).value();
    std::set<std::string> keys;
    for (const auto& record : moved.records)
        keys.insert(record.key);
    for (const auto& key : written)
        CHECK(keys.count(key) == 1);
    CHECK(one->list_datasets(merged, "", 0).value().datasets.empty());
    CHECK(!written.empty());
    CHECK(one->update_records(merged, "game", "device", {{sync::PatchOp::replace, "late", "v", 0, {}}}, now)
              .status()
              .code() == Errc::not_found);
}
