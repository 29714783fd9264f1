// Record writes on PostgreSQL with several servers on one database (issue 17): what the shared storage
// tests cannot show with one store. Writes from two servers to one dataset serialize on its row, even its
// first ones, and the deployment clock never hands out a number twice.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
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
