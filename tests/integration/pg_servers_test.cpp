// Several synclatch-server processes on one PostgreSQL database, as behind a load balancer with no sticky
// sessions: what one server issued or wrote, every other one honours and serves.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <tuple>

#include "store/postgres/pg_stream_appends.hpp"
#include "support/deployment.hpp"
#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/signed_websocket.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Three servers, each with its own data folder, all on one fresh database.
struct ThreeServers {
    TempDir dir;
    const std::string store = fresh_pg_database("servers");
    ServerProcess a = start("a");
    ServerProcess b = start("b");
    ServerProcess c = start("c");

    ServerProcess start(const std::string& name) {
        return ServerProcess(dir.file(name), {"--store", store, "--auth", "sigv4", "--admin-key",
                                              "ADMINKEY:admin-secret", "--no-data-lake"});
    }
};

std::string update_body(const std::string& token, const std::string& key, const std::string& value,
                        int sync_count) {
    return json{
        {"SyncSessionToken", token},
        {"DeviceId", "device-a"},
        {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", value}, {"SyncCount", sync_count}}}}}
        .dump();
}

const synclatch::sync::sigv4::Credentials kAdmin{"ADMINKEY", "admin-secret", ""};

// What a dataset-changes event names: the dataset and the sync count its write made.
std::string change_of(const json& data) {
    return data.at("datasetName").get<std::string>() + "#" + data.at("syncCount").dump();
}

}  // namespace

TEST_CASE_METHOD(
    ThreeServers,
    "PostgreSQL servers: credentials, session tokens and writes of one server hold on the others",
    "[postgres][servers]") {
    HttpClient to_a(a.port()), to_b(b.port()), to_c(c.port());
    // Identity and credentials from A, used on B and C.
    auto [identity, creds] = new_identity(to_a);
    auto listed = to_b.send("GET", dataset_path(identity, "things") + "/records?lastSyncCount=0", "", creds);
    REQUIRE(listed.status == 200);
    // B's session token, spent on C.
    const std::string token = listed.json().at("SyncSessionToken");
    auto written =
        to_c.send("POST", dataset_path(identity, "things"), update_body(token, "k", "v1", 0), creds);
    REQUIRE(written.status == 200);
    CHECK(written.json().at("Records").at(0).at("SyncCount") == 1);

    // Read on A at once: every acknowledged write, whichever server took it.
    auto read = to_a.send("GET", dataset_path(identity, "things") + "/records?lastSyncCount=0", "", creds);
    REQUIRE(read.status == 200);
    CHECK(read.json().at("DatasetSyncCount") == 1);
    CHECK(read.json().at("Records").at(0).at("Value") == "v1");

    // A stale sync count is a conflict on any server: the dataset's count lives in the database.
    auto stale = to_b.send("POST", dataset_path(identity, "things"),
                           update_body(read.json().at("SyncSessionToken"), "k", "v2", 0), creds);
    CHECK(stale.status == 409);
    auto fresh = to_b.send("POST", dataset_path(identity, "things"),
                           update_body(read.json().at("SyncSessionToken"), "k", "v2", 1), creds);
    CHECK(fresh.status == 200);
    CHECK(
        to_c.send("GET", dataset_path(identity, "things"), "", creds).json().at("Dataset").at("NumRecords") ==
        1);
}

TEST_CASE_METHOD(
    ThreeServers,
    "PostgreSQL servers: writes through every server in turn share one sync count and lose nothing",
    "[postgres][servers]") {
    HttpClient setup(a.port());
    auto [identity, creds] = new_identity(setup);
    // Each server takes writes to its own dataset and to one they all share; the shared one's sync count
    // serializes them, and every acknowledged write is there once.
    int acknowledged = 0;
    for (int round = 0; round < 10; ++round) {
        for (ServerProcess* server : {&a, &b, &c}) {
            HttpClient client(server->port());
            auto page =
                client.send("GET", dataset_path(identity, "shared") + "/records?lastSyncCount=0", "", creds)
                    .json();
            const int count = page.at("DatasetSyncCount");
            auto written = client.send("POST", dataset_path(identity, "shared"),
                                       update_body(page.at("SyncSessionToken"), numbered("k", acknowledged),
                                                   std::to_string(server->port()), count),
                                       creds);
            REQUIRE(written.status == 200);
            ++acknowledged;
        }
    }
    HttpClient to_c(c.port());
    auto all =
        to_c.send("GET", dataset_path(identity, "shared") + "/records?lastSyncCount=0", "", creds).json();
    CHECK(all.at("DatasetSyncCount") == acknowledged);
    CHECK(all.at("Records").size() == static_cast<std::size_t>(acknowledged));
}

TEST_CASE_METHOD(ThreeServers, "PostgreSQL servers: a push hint reaches a device connected to another server",
                 "[postgres][servers][push]") {
    HttpClient to_a(a.port()), to_b(b.port());
    // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = new_identity(to_a);
    const auto register_device = [&](const std::string& token) {
        const auto path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                          encode_path_segment(identity) + "/device";
        auto result = to_a.send("POST", path, json{{"Platform", "GCM"}, {"Token", token}}.dump(), creds);
        REQUIRE(result.status == 200);
        return result.json().at("DeviceId").get<std::string>();
    };
    const auto writer = register_device("writer-token");
    const auto reader = register_device("reader-token");
    for (const auto& device : {writer, reader}) {
        REQUIRE(to_a.send("POST", dataset_path(identity, "things") + "/subscriptions/" + device, "{}", creds)
                    .status == 200);
    }
    // The reader listens on B and C (two tabs of one app, say); the write goes through A.
    SignedWebSocket on_b(b.port(), "/push", "deviceId=" + reader, creds);
    SignedWebSocket on_c(c.port(), "/push", "deviceId=" + reader, creds);
    REQUIRE(on_b.connected());
    REQUIRE(on_c.connected());
    const auto token = to_a.send("GET", dataset_path(identity, "things") + "/records", "", creds)
                           .json()
                           .at("SyncSessionToken");
    const json body = {
        {"SyncSessionToken", token},
        {"DeviceId", writer},
        {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    REQUIRE(to_a.send("POST", dataset_path(identity, "things"), body.dump(), creds).status == 200);
    for (SignedWebSocket* channel : {&on_b, &on_c}) {
        const auto payload = channel->next(std::chrono::seconds(5));
        REQUIRE(payload);
        CHECK(payload->at("identityId") == identity);
        CHECK(payload->at("datasetName") == "things");
        CHECK(payload->at("syncCount") == "1");
    }
    // Once each: the hint is not echoed back and forth between the servers.
    CHECK_FALSE(on_b.next(std::chrono::milliseconds(300)));
}

TEST_CASE_METHOD(
    ThreeServers,
    "PostgreSQL servers: a stream consumer on one server sees every write of the others once and in "
    "order, also behind a transaction that commits late",
    "[postgres][servers][streams]") {
    HttpClient setup(a.port());
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = new_identity(setup);
    constexpr int kWritesEach = 25;
    std::atomic<int> acknowledged{0};
    std::map<std::string, int> written;  // change -> times acknowledged, filled after the writers joined
    std::vector<std::vector<std::string>> by_writer(2);
    // Catch's assertions are not for other threads: they leave what went wrong here.
    std::vector<std::string> thread_failures(3);

    // Writers on A and B, each to a dataset of its own (so each write is acknowledged at once).
    const auto write_through = [&](ServerProcess& server, const std::string& dataset, std::size_t slot) {
        HttpClient client(server.port());
        auto token = client.send("GET", dataset_path(identity, dataset) + "/records", "", creds)
                         .json()
                         .at("SyncSessionToken")
                         .get<std::string>();
        for (int count = 0; count < kWritesEach; ++count) {
            auto result = client.send("POST", dataset_path(identity, dataset),
                                      update_body(token, numbered("k", count), "v", count), creds);
            if (result.status != 200) {
                thread_failures[slot] = dataset + ": " + result.body;
                return;
            }
            by_writer[slot].push_back(dataset + "#" + std::to_string(count + 1));
            ++acknowledged;
        }
    };

    // The consumer on C, long-polling from the start until it has seen every write and the late one.
    std::vector<std::int64_t> seen_seqs;
    std::vector<std::string> seen;
    std::atomic<bool> writers_done{false};
    std::thread consumer([&] {
        HttpClient client(c.port());
        std::int64_t after = 0;
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto read = client.send(
                "GET", "/streams/dataset-changes/records?after=" + std::to_string(after) + "&wait=1", "",
                kAdmin);
            if (read.status != 200) {
                thread_failures[2] = "consumer: " + read.body;
                return;
            }
            const json page = read.json();
            for (const auto& record : page.at("Records")) {
                seen_seqs.push_back(record.at("SequenceNumber").get<std::int64_t>());
                seen.push_back(change_of(record.at("Data")));
            }
            after = page.at("LastSequenceNumber").get<std::int64_t>();
            if (writers_done && seen.size() == static_cast<std::size_t>(2 * kWritesEach + 1)) break;
        }
    });

    std::thread on_a([&] { write_through(a, "on-a", 0); });
    std::thread on_b([&] { write_through(b, "on-b", 1); });

    // A slow writer: it takes its sequence number while A and B are writing, then sits on its commit for a
    // second. On a plain sequence, A's and B's later numbers would commit first and the consumer would move
    // past this one; under the append lock they wait for it.
    while (acknowledged < 5)
        std::this_thread::sleep_for(1ms);
    auto slow = connect_pg(store);
    std::int64_t slow_seq = 0;
    const auto slow_data = json{{"identityId", identity}, {"datasetName", "slow"}, {"syncCount", 1}}.dump();
    REQUIRE(slow.transaction([&](synclatch::server::PgConnection& tx) -> synclatch::Status {
                    auto seqs = synclatch::server::pg_append_stream_records(tx, "dataset-changes",
                                                                            {{identity, slow_data}}, 0);
                    if (!seqs) return seqs.status();
                    slow_seq = seqs->at(0);
                    std::this_thread::sleep_for(1s);
                    return {};
                })
                .ok());

    on_a.join();
    on_b.join();
    writers_done = true;
    consumer.join();
    for (const auto& failure : thread_failures)
        CHECK(failure.empty());

    // Never backwards, nothing twice.
    for (std::size_t i = 1; i < seen_seqs.size(); ++i)
        CHECK(seen_seqs[i - 1] < seen_seqs[i]);
    for (const auto& change : seen)
        ++written[change];
    for (const auto& [change, times] : written) {
        INFO(change);
        CHECK(times == 1);
    }
    // Every acknowledged write, and the late one, which the consumer did not step past.
    for (const auto& changes : by_writer) {
        for (const auto& change : changes)
            CHECK(written.count(change) == 1);
    }
    CHECK(written.count("slow#1") == 1);
    CHECK(std::find(seen_seqs.begin(), seen_seqs.end(), slow_seq) != seen_seqs.end());
    CHECK(seen.size() == static_cast<std::size_t>(2 * kWritesEach + 1));
}

TEST_CASE(
    "PostgreSQL servers: an identity pool made, changed or deleted through one server's API holds on "
    "the others",
    "[postgres][servers][identity]") {
    TempDir dir;
    const std::string store = fresh_pg_database("pools");
    const std::vector<std::string> args = {"--store", store, "--auth", "none", "--no-data-lake"};
    ServerProcess a(dir.file("a"), args);
    ServerProcess b(dir.file("b"), args);
    HttpClient to_a(a.port()), to_b(b.port());
    const auto get_id_on_b = [&](const std::string& pool) {
        return to_b.identity("GetId", {{"IdentityPoolId", pool}});
    };

    // Made on A without guests: B refuses a guest at once (the bus), or within the refresh bound at most.
    const auto made = to_a.identity(
        "CreateIdentityPool", {{"IdentityPoolName", "members"}, {"AllowUnauthenticatedIdentities", false}});
    REQUIRE(made.status == 200);
    const std::string pool = made.json().at("IdentityPoolId");
    CHECK(eventually([&] { return get_id_on_b(pool).error_type == "NotAuthorizedException"; }, 12s));
    // Opened to guests on A: B lets them in.
    REQUIRE(to_a.identity("UpdateIdentityPool", {{"IdentityPoolId", pool},
                                                 {"IdentityPoolName", "members"},
                                                 {"AllowUnauthenticatedIdentities", true}})
                .status == 200);
    CHECK(eventually([&] { return get_id_on_b(pool).status == 200; }, 12s));
    CHECK(to_b.identity("DescribeIdentityPool", {{"IdentityPoolId", pool}})
              .json()
              .at("AllowUnauthenticatedIdentities") == true);
    // Deleted on A: gone on B.
    REQUIRE(to_a.identity("DeleteIdentityPool", {{"IdentityPoolId", pool}}).status == 200);
    CHECK(get_id_on_b(pool).error_type == "ResourceNotFoundException");
}
