// Durability of the server: several clients write concurrently, the server is killed with SIGKILL
// mid-load and restarted; every acknowledged write must be there, and the outbox must hold exactly one
// change event per committed write (an event exists if and only if its write committed).
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/open_test_store.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

struct Writer {
    std::string identity;
    std::vector<std::string> acknowledged;  // keys whose UpdateRecords returned 200
};

// Writes one new key per request until the server goes away.
void write_until_gone(unsigned short port, Writer& writer, int index) {
    HttpClient client(port);
    auto listed = client.send("GET", dataset_path(writer.identity, "load") + "/records");
    if (listed.status != 200) return;
    const std::string token = listed.json().at("SyncSessionToken");
    for (int n = 0;; ++n) {
        const std::string key = numbered("w", index) + "-" + std::to_string(n);
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", key}, {"SyncCount", 0}}}}};
        auto result = client.send("POST", dataset_path(writer.identity, "load"), body.dump());
        if (result.status != 200) return;  // the server was killed
        writer.acknowledged.push_back(key);
    }
}

}  // namespace

TEST_CASE("Server durability: every acknowledged UpdateRecords survives SIGKILL",
          "[integration][durability]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    TempDir dir;
    const std::string data = dir.file("data");
    constexpr int kWriters = 4;
    std::vector<Writer> writers(kWriters);

    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        ServerProcess server(data, {"--auth", "none", "--max-records-per-dataset", "100000",
                                    "--max-bytes-per-dataset", "100000000"});
        if (round == 0) {
            HttpClient setup(server.port());
            for (auto& w : writers) {
                w.identity = setup.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
            }
        }
        std::vector<std::thread> threads;
        for (int i = 0; i < kWriters; ++i) {
            threads.emplace_back([&, i] {
                write_until_gone(server.port(), writers[static_cast<std::size_t>(i)], round * 10 + i);
            });
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 500)(random)));
        server.kill_hard();
        for (auto& t : threads)
            t.join();
    }

    // Restart once more and read everything back through the API.
    long acknowledged = 0;
    {
        ServerProcess server(data, {"--auth", "none"});
        HttpClient client(server.port());
        for (const auto& w : writers) {
            std::set<std::string> present;
            std::string next;
            json page;
            do {
                auto result =
                    client.send("GET", dataset_path(w.identity, "load") + "/records?maxResults=1024" +
                                           (next.empty() ? "" : "&nextToken=" + next));
                REQUIRE(result.status == 200);
                page = result.json();
                for (const auto& r : page.at("Records"))
                    present.insert(r.at("Key").get<std::string>());
                next = page.value("NextToken", "");
            } while (!next.empty());
            for (const auto& key : w.acknowledged)
                CHECK(present.count(key) == 1);
            acknowledged += static_cast<long>(w.acknowledged.size());
            // One record per write: the count may exceed the acknowledgements only by writes whose reply
            // was lost in the kill (at most one per writer per round).
            const auto committed = page.at("DatasetSyncCount").get<long>();
            CHECK(committed == static_cast<long>(present.size()));
            CHECK(committed >= static_cast<long>(w.acknowledged.size()));
            CHECK(committed <= static_cast<long>(w.acknowledged.size()) + 3);
        }
        REQUIRE(server.terminate() != -1);
    }
    CHECK(acknowledged > 0);
    std::printf("server durability: %ld acknowledged writes across 3 SIGKILLs, all present\n", acknowledged);

    // The outbox: exactly one event per committed write, none for anything that did not commit.
    auto store = open_test_store(data);
    INFO(store.status().to_string());
    REQUIRE(store.ok());
    auto events = (*store)->read_stream("dataset-changes", 0, 1'000'000);
    REQUIRE(events.ok());
    std::map<std::string, long> events_per_identity;
    for (const auto& e : *events)
        ++events_per_identity[e.partition_key];
    for (const auto& w : writers) {
        auto listed = (*store)->list_records(w.identity, "load", 0, "", 1);
        REQUIRE(listed.ok());
        CHECK(events_per_identity[w.identity] == listed->dataset_sync_count);
    }
}
