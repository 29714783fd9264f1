// `synclatch-server copy`: an embedded store filled by writers that were cut off by kill -9 (as the crash
// test fills it) is copied into PostgreSQL and verified; a server on the copy serves every acknowledged
// write, the same deployment, the old credentials and stream positions, and the AWS SDK interop suites; a
// second copy into the same database is refused.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const synclatch::sync::sigv4::Credentials kAdmin{"ADMINKEY", "admin-secret", ""};

// What the embedded store was left holding, as its clients were told.
struct FilledStore {
    std::vector<std::string> identities;
    std::map<std::string, std::vector<std::string>> acknowledged;  // identity -> keys whose write got 200
    synclatch::sync::sigv4::Credentials credentials;               // of identities[0], issued before the copy
    std::string open_id_token;                                     // of identities[0], issued before the copy
    long last_seq = 0;                                             // the last stream sequence number
};

// One new key per request until the server goes away.
void write_until_gone(unsigned short port, const std::string& identity, const std::string& prefix,
                      std::vector<std::string>& acknowledged) {
    HttpClient client(port);
    auto listed = client.send("GET", dataset_path(identity, "load") + "/records");
    if (listed.status != 200) return;
    const std::string token = listed.json().at("SyncSessionToken");
    for (int n = 0;; ++n) {
        const std::string key = prefix + "-" + std::to_string(n);
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", key}, {"SyncCount", 0}}}}};
        if (client.send("POST", dataset_path(identity, "load"), body.dump()).status != 200) return;
        acknowledged.push_back(key);
    }
}

// Three writers, each cut off by a kill -9 of the server, three times; and a posted event, a consumer
// checkpoint and a removed record, so that every kind of row is there.
FilledStore fill_by_crashing(const std::string& data) {
    std::mt19937 random(std::random_device{}());
    FilledStore filled;
    const std::vector<std::string> args = {
        "--auth", "none",          "--deployment-id", "dep-copied", "--max-records-per-dataset",
        "100000", "--no-data-lake"};
    for (int round = 0; round < 3; ++round) {
        ServerProcess server(data, args);
        HttpClient setup(server.port());
        if (round == 0) {
            for (int i = 0; i < 3; ++i) {
                filled.identities.push_back(
                    setup.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId"));
                filled.acknowledged[filled.identities.back()];  // made here: the writers only look up
            }
            const auto creds =
                setup.identity("GetCredentialsForIdentity", {{"IdentityId", filled.identities[0]}})
                    .json()
                    .at("Credentials");
            filled.credentials = {creds.at("AccessKeyId"), creds.at("SecretKey"), creds.at("SessionToken")};
            filled.open_id_token =
                setup.identity("GetOpenIdToken", {{"IdentityId", filled.identities[0]}}).json().at("Token");
            REQUIRE(
                setup.send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": {"n": 1}})")
                    .status == 200);
            REQUIRE(
                setup.send("PUT", "/streams/events/consumers/reader", R"({"SequenceNumber": 1})").status ==
                200);
        }
        std::vector<std::thread> writers;
        for (std::size_t i = 0; i < filled.identities.size(); ++i) {
            const auto& identity = filled.identities[i];
            auto& acknowledged = filled.acknowledged.at(identity);
            writers.emplace_back([&, identity, i] {
                write_until_gone(server.port(), identity, numbered("r", round * 10 + static_cast<int>(i)),
                                 acknowledged);
            });
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution(150, 400)(random)));
        server.kill_hard();
        for (auto& w : writers)
            w.join();
    }
    // A removal, and the last sequence number, from a server stopped cleanly.
    ServerProcess server(data, args);
    HttpClient client(server.port());
    const auto& identity = filled.identities[1];
    const auto page = client.send("GET", dataset_path(identity, "load") + "/records").json();
    auto& keys = filled.acknowledged.at(identity);
    REQUIRE_FALSE(keys.empty());
    // A sync count at or above the record's: the dataset's.
    const auto removed =
        json{{"SyncSessionToken", page.at("SyncSessionToken")},
             {"RecordPatches",
              {{{"Op", "remove"}, {"Key", keys.front()}, {"SyncCount", page.at("DatasetSyncCount")}}}}};
    REQUIRE(client.send("POST", dataset_path(identity, "load"), removed.dump()).status == 200);
    keys.erase(keys.begin());
    for (;;) {
        const auto read = client
                              .send("GET", "/streams/dataset-changes/records?limit=1000&after=" +
                                               std::to_string(filled.last_seq))
                              .json();
        if (read.at("Records").empty()) break;
        filled.last_seq = read.at("LastSequenceNumber").get<long>();
    }
    REQUIRE(server.terminate() == 0);
    return filled;
}

ProcessOutput run_copy(const std::string& from, const std::string& to) {
    return run_process({SYNCLATCH_SERVER_BINARY, "copy", "--from", from, "--to", to}, 120s);
}

}  // namespace

TEST_CASE("Copy: an embedded store that kill -9 cut off, copied into PostgreSQL, serves all it acknowledged",
          "[postgres][copy]") {
    TempDir dir;
    const std::string data = dir.file("embedded");
    const FilledStore filled = fill_by_crashing(data);
    const std::string target = fresh_pg_database("copy");

    const auto copied = run_copy(data, target);
    INFO(copied.out << copied.err);
    REQUIRE(copied.exit_code == 0);
    CHECK(copied.out.find("verified: every table's rows and checksum match") != std::string::npos);
    CHECK(copied.out.find("records ") != std::string::npos);

    ServerProcess server(dir.file("on-postgres"),
                         {"--store", target, "--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret"});
    HttpClient client(server.port());
    // The same deployment, so that bridged peers and the data lake see no new one.
    CHECK(client.send("GET", "/healthz").json().at("deploymentId") == "dep-copied");
    // Every acknowledged write, one event per write (the dataset's sync count), nothing else.
    std::map<std::string, long> events_per_identity;
    long after = 0;
    for (;;) {
        const auto read =
            client
                .send("GET", "/streams/dataset-changes/records?limit=1000&after=" + std::to_string(after), "",
                      kAdmin)
                .json();
        if (read.at("Records").empty()) break;
        for (const auto& record : read.at("Records"))
            ++events_per_identity[record.at("PartitionKey").get<std::string>()];
        after = read.at("LastSequenceNumber").get<long>();
    }
    CHECK(after == filled.last_seq);
    for (const auto& identity : filled.identities) {
        INFO(identity);
        std::set<std::string> live;
        json page;
        std::string next;
        do {
            page = client
                       .send("GET",
                             dataset_path(identity, "load") + "/records?maxResults=1024" +
                                 (next.empty() ? "" : "&nextToken=" + next),
                             "", kAdmin)
                       .json();
            for (const auto& record : page.at("Records")) {
                if (record.contains("Value") && !record.at("Value").is_null())
                    live.insert(record.at("Key").get<std::string>());
            }
            next = page.value("NextToken", "");
        } while (!next.empty());
        for (const auto& key : filled.acknowledged.at(identity))
            CHECK(live.count(key) == 1);
        CHECK(events_per_identity[identity] == page.at("DatasetSyncCount").get<long>());
    }
    // Credentials issued by the embedded store's server are good on the copy's.
    CHECK(client.send("GET", dataset_path(filled.identities[0], "load") + "/records", "", filled.credentials)
              .status == 200);
    // So are its OpenID tokens: the copy took its signing key along.
    CHECK(copied.out.find("OpenID signing keys") != std::string::npos);
    const json logins = {{"cognito-identity.amazonaws.com", filled.open_id_token}};
    CHECK(
        client
            .identity("GetCredentialsForIdentity", {{"IdentityId", filled.identities[0]}, {"Logins", logins}})
            .status == 200);
    // Stream positions carry on: the consumer's checkpoint is there, and new numbers follow the old ones.
    CHECK(client.send("GET", "/streams/events/consumers/reader", "", kAdmin).json().at("SequenceNumber") ==
          1);
    const auto posted =
        client.send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": {}})", kAdmin);
    REQUIRE(posted.status == 200);
    CHECK(posted.json().at("SequenceNumber").get<long>() > filled.last_seq);

    // The target is no longer new: a second copy is refused and changes nothing.
    const auto again = run_copy(data, target);
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("not empty") != std::string::npos);
    CHECK(client.send("GET", "/healthz").status == 200);
}

TEST_CASE("Copy: refused while a server runs on the embedded store, and with no store at all",
          "[postgres][copy]") {
    TempDir dir;
    const std::string target = fresh_pg_database("refused");
    const auto missing = run_copy(dir.file("nothing-here"), target);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("no embedded store") != std::string::npos);

    ServerProcess running(dir.file("live"), {"--auth", "none"});
    const auto busy = run_copy(dir.file("live"), target);
    CHECK(busy.exit_code == 1);
    CHECK(busy.err.find("another synclatch-server") != std::string::npos);

    const auto usage = run_process({SYNCLATCH_SERVER_BINARY, "copy", "--from", dir.file("live")}, 10s);
    CHECK(usage.exit_code != 0);
    CHECK(usage.err.find("--to") != std::string::npos);
}

#ifdef SYNCLATCH_NODE_EXECUTABLE
TEST_CASE("Copy: the AWS JavaScript SDK v2 and v3 suites pass against servers on a copied store",
          "[postgres][copy][interop]") {
    TempDir dir;
    const std::string data = dir.file("embedded");
    fill_by_crashing(data);
    const std::string target = fresh_pg_database("copy_interop");
    const auto copied = run_copy(data, target);
    INFO(copied.out << copied.err);
    REQUIRE(copied.exit_code == 0);
    for (const char* suite : {"sdk_v2.test.mjs", "sdk_v3.test.mjs"}) {
        INFO(suite);
        // tests/interop/server.mjs puts the servers it starts on $SYNCLATCH_TEST_STORE_URL.
        const auto ran = run_process({"/usr/bin/env", "SYNCLATCH_SERVER_BINARY=" SYNCLATCH_SERVER_BINARY,
                                      "SYNCLATCH_TEST_STORE_URL=" + target, SYNCLATCH_NODE_EXECUTABLE,
                                      "--test", std::string(SYNCLATCH_INTEROP_DIR) + "/" + suite},
                                     120s);
        INFO(ran.out << ran.err);
        CHECK(ran.exit_code == 0);
    }
}
#endif
