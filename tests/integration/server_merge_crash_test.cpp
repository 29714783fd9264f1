// Durability of identity merges: guests sign in as users who already have identities (each a merge), the
// server is killed with SIGKILL while the merges run, and restarted. Every merge must be whole or absent:
// whole, the guest is gone, its dataset is under the user as game.<guest> with every record, and one
// dataset-changes event says so; absent, the guest and its dataset are as they were. Every merge that was
// answered must be whole.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/open_test_store.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_login_provider.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

constexpr int kPairsPerRound = 12;
constexpr int kRounds = 4;
constexpr int kGuestRecords = 5;

struct Pair {
    std::string subject;    // the user's sub at the provider
    std::string user;       // the user's identity
    std::string guest;      // the guest who signs in as the user
    bool answered = false;  // the merge was answered 200, naming the user
};

void put(HttpClient& client, const std::string& identity, const std::string& dataset,
         const std::vector<std::string>& keys) {
    auto listed = client.send("GET", dataset_path(identity, dataset) + "/records");
    REQUIRE(listed.status == 200);
    json patches = json::array();
    for (const auto& key : keys)
        patches.push_back(
            {{"Op", "replace"}, {"Key", key}, {"Value", identity + "/" + key}, {"SyncCount", 0}});
    auto written = client.send(
        "POST", dataset_path(identity, dataset),
        json{{"SyncSessionToken", listed.json().at("SyncSessionToken")}, {"RecordPatches", patches}}.dump());
    REQUIRE(written.status == 200);
}

json records(HttpClient& client, const std::string& identity, const std::string& dataset) {
    auto listed = client.send("GET", dataset_path(identity, dataset) + "/records");
    REQUIRE(listed.status == 200);
    return listed.json();
}

}  // namespace

TEST_CASE("Server durability: identity merges killed by SIGKILL are whole or absent after a restart",
          "[integration][durability][identity]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    TempDir dir;
    const std::string data = dir.file("data");
    const TestLoginProvider provider(dir.file("jwks.json"), "merge-crash-test");
    std::vector<std::string> args = {"--auth", "none"};
    for (auto& arg : provider.server_args())
        args.push_back(arg);
    auto logins = [&](const std::string& subject) { return provider.logins(subject); };

    std::vector<Pair> pairs;
    for (int round = 0; round < kRounds; ++round) {
        INFO("round " << round);
        ServerProcess server(data, args);
        HttpClient setup(server.port());
        const std::size_t first = pairs.size();
        for (int i = 0; i < kPairsPerRound; ++i) {
            Pair pair;
            pair.subject = "user-" + std::to_string(round) + "-" + std::to_string(i);
            pair.user =
                setup.identity("GetId", {{"IdentityPoolId", kTestPool}, {"Logins", logins(pair.subject)}})
                    .json()
                    .at("IdentityId");
            put(setup, pair.user, "game", {"own"});
            pair.guest = setup.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
            std::vector<std::string> keys;
            for (int k = 0; k < kGuestRecords; ++k)
                keys.push_back(numbered("g", k));
            put(setup, pair.guest, "game", keys);
            pairs.push_back(std::move(pair));
        }
        // Each guest signs in as its user, one after another, until the server is gone.
        std::atomic<int> answered{0};
        std::atomic<bool> stopped{false};
        std::thread signing_in([&, port = server.port()] {
            HttpClient client(port);
            for (std::size_t p = first; p < pairs.size(); ++p) {
                auto answer =
                    client.identity("GetCredentialsForIdentity",
                                    {{"IdentityId", pairs[p].guest}, {"Logins", logins(pairs[p].subject)}});
                if (answer.status != 200) break;
                pairs[p].answered = answer.json().at("IdentityId") == pairs[p].user;
                ++answered;
            }
            stopped = true;
        });
        // Killed after a random number of answered merges (so a slow build is caught mid-way too), a
        // moment into the next one.
        const int before_kill = std::uniform_int_distribution<int>(0, kPairsPerRound - 2)(random);
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (answered < before_kill && !stopped && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
        server.kill_hard();
        signing_in.join();
    }

    int whole = 0;
    int absent = 0;
    std::map<std::string, bool> merged_user;  // user identity -> its guest was merged
    {
        ServerProcess server(data, args);
        HttpClient client(server.port());
        for (const auto& pair : pairs) {
            INFO(pair.subject << ": guest " << pair.guest << " into " << pair.user);
            auto guest = client.identity("GetCredentialsForIdentity", {{"IdentityId", pair.guest}});
            const bool merged = guest.status != 200;
            merged_user[pair.user] = merged;
            const json own = records(client, pair.user, "game");
            CHECK(own.at("Records").size() == 1);
            const std::string merged_name = "game." + pair.guest;
            if (merged) {
                ++whole;
                CHECK(guest.error_type == "ResourceNotFoundException");
                CHECK(own.at("MergedDatasetNames") == json::array({merged_name}));
                const json moved = records(client, pair.user, merged_name);
                CHECK(moved.at("Records").size() == kGuestRecords);
                CHECK(moved.at("DatasetSyncCount") == 1);
                for (const auto& record : moved.at("Records"))
                    CHECK(record.at("Value").get<std::string>().starts_with(pair.guest + "/"));
            } else {
                ++absent;
                CHECK_FALSE(pair.answered);  // an answered merge is never lost
                CHECK(own.value("MergedDatasetNames", json::array()).empty());
                CHECK(records(client, pair.guest, "game").at("Records").size() == kGuestRecords);
            }
            // The login leads to the user whatever happened.
            auto signed_in =
                client.identity("GetId", {{"IdentityPoolId", kTestPool}, {"Logins", logins(pair.subject)}});
            CHECK(signed_in.json().at("IdentityId") == pair.user);
        }
        REQUIRE(server.terminate() != -1);
    }
    std::printf("merge durability: %d merges whole, %d absent across %d SIGKILLs\n", whole, absent, kRounds);
    CHECK(whole > 0);

    // The outbox: the user's own write, and one more event when its guest's dataset moved to it.
    auto store = open_test_store(data);
    INFO(store.status().to_string());
    REQUIRE(store.ok());
    auto events = (*store)->read_stream("dataset-changes", 0, 1'000'000);
    REQUIRE(events.ok());
    std::map<std::string, int> events_per_identity;
    for (const auto& e : *events)
        ++events_per_identity[e.partition_key];
    for (const auto& [user, merged] : merged_user) {
        INFO(user);
        CHECK(events_per_identity[user] == (merged ? 2 : 1));
    }
}
