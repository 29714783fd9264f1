// Faults with several synclatch-server processes on one PostgreSQL database: a server killed (kill -9)
// under load, again and again, while the other keeps serving; the processors' leader killed; PostgreSQL
// itself restarted under load. Every acknowledged write survives, each write makes one event, and no
// error is a success that did not happen.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kUnsigned = {"--auth", "none", "--no-data-lake", "--max-records-per-dataset",
                                            "100000"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// What one writer saw: every key it wrote, by the answer it got.
struct WriterLog {
    std::string identity;
    std::vector<std::string> acknowledged;       // 200
    std::map<unsigned, int> failures;            // other answers, by HTTP status (0: no answer at all)
    std::vector<std::string> unexpected_errors;  // failure bodies that are not a retryable typed error
};

// One new key per request (so no write depends on another's sync count), through the servers in turn.
// acked counts every writer's acknowledgements, for the test to follow while they write.
void write_new_keys(WriterLog& log, const std::string& name, const std::vector<unsigned short>& ports,
                    const std::atomic<bool>& stop, std::atomic<std::size_t>& acked) {
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (auto port : ports)
        clients.push_back(std::make_unique<HttpClient>(port));
    // A session token from any server is good on all of them.
    std::string token;
    for (std::size_t n = 0; token.empty() && !stop; ++n) {
        auto listed =
            clients[n % clients.size()]->send("GET", dataset_path(log.identity, "load") + "/records");
        if (listed.status == 200) token = listed.json().at("SyncSessionToken");
    }
    for (int n = 0; !stop; ++n) {
        HttpClient& client = *clients[static_cast<std::size_t>(n) % clients.size()];
        const std::string key = name + "-" + std::to_string(n);
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", key}, {"SyncCount", 0}}}}};
        auto result = client.send("POST", dataset_path(log.identity, "load"), body.dump());
        if (result.status == 200) {
            log.acknowledged.push_back(key);
            ++acked;
            continue;
        }
        ++log.failures[result.status];
        // A server that went away, or a typed error the SDKs retry (500 InternalError, 429 TooManyRequests).
        const std::string type = result.json().is_object() ? result.json().value("__type", "") : "";
        const bool retryable = result.status == 0 ||
                               (result.status == 500 && type == "InternalErrorException") ||
                               (result.status == 429 && type == "TooManyRequestsException");
        if (!retryable) log.unexpected_errors.push_back(std::to_string(result.status) + " " + result.body);
        std::this_thread::sleep_for(20ms);
    }
}

// Every record of a dataset, by key.
std::set<std::string> keys_of(HttpClient& client, const std::string& identity, const std::string& dataset,
                              long* sync_count = nullptr) {
    std::set<std::string> keys;
    std::string next;
    json page;
    do {
        auto result = client.send("GET", dataset_path(identity, dataset) + "/records?maxResults=1024" +
                                             (next.empty() ? "" : "&nextToken=" + next));
        REQUIRE(result.status == 200);
        page = result.json();
        for (const auto& record : page.at("Records"))
            keys.insert(record.at("Key").get<std::string>());
        next = page.value("NextToken", "");
    } while (!next.empty());
    if (sync_count != nullptr) *sync_count = page.at("DatasetSyncCount").get<long>();
    return keys;
}

// The Data of every record of a stream.
std::vector<json> stream_data(HttpClient& client, const std::string& stream) {
    std::vector<json> all;
    long after = 0;
    for (;;) {
        auto read =
            client.send("GET", "/streams/" + stream + "/records?limit=1000&after=" + std::to_string(after));
        REQUIRE(read.status == 200);
        const auto records = read.json().at("Records");
        if (records.empty()) return all;
        for (const auto& record : records)
            all.push_back(record.at("Data"));
        after = read.json().at("LastSequenceNumber").get<long>();
    }
}

// Checks what the writers were told against what the database holds: every acknowledged key there, and
// one dataset-changes event per committed write (the dataset's sync count).
void check_nothing_lost(HttpClient& client, const std::vector<WriterLog>& writers) {
    std::map<std::string, long> events_per_identity;
    for (const auto& data : stream_data(client, "dataset-changes"))
        ++events_per_identity[data.at("identityId").get<std::string>()];
    for (const auto& writer : writers) {
        INFO("writer " << writer.identity);
        long sync_count = 0;
        const auto present = keys_of(client, writer.identity, "load", &sync_count);
        for (const auto& key : writer.acknowledged)
            CHECK(present.count(key) == 1);
        CHECK(sync_count == static_cast<long>(present.size()));
        CHECK(events_per_identity[writer.identity] == sync_count);
        for (const auto& error : writer.unexpected_errors)
            CHECK(error == std::string());  // shows the unexpected answer
    }
}

std::vector<WriterLog> new_writers(HttpClient& setup, int count) {
    std::vector<WriterLog> writers(static_cast<std::size_t>(count));
    for (auto& writer : writers)
        writer.identity = setup.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
    return writers;
}

}  // namespace

TEST_CASE(
    "PostgreSQL faults: a server killed under load, again and again, loses no acknowledged write, "
    "and the other keeps serving",
    "[postgres][servers][durability]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    TempDir dir;
    const std::vector<std::string> args = with(kUnsigned, {"--store", fresh_pg_database("kill_loop")});
    const unsigned short port_a = free_loopback_port();
    auto a = std::make_unique<ServerProcess>(dir.file("a"), args, port_a);
    ServerProcess b(dir.file("b"), args);
    HttpClient to_b(b.port());
    auto writers = new_writers(to_b, 4);

    std::atomic<bool> stop{false};
    std::atomic<std::size_t> acked{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < writers.size(); ++i) {
        threads.emplace_back([&, i] {
            write_new_keys(writers[i], numbered("w", static_cast<int>(i)), {port_a, b.port()}, stop, acked);
        });
    }
    std::array<std::size_t, 3> served_while_a_was_down{};
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution(150, 500)(random)));
        a->kill_hard();
        const std::size_t before = acked;
        std::this_thread::sleep_for(400ms);
        served_while_a_was_down[static_cast<std::size_t>(round)] = acked - before;
        a = std::make_unique<ServerProcess>(dir.file("a"), args, port_a);
    }
    std::this_thread::sleep_for(300ms);
    stop = true;
    for (auto& t : threads)
        t.join();

    for (std::size_t round = 0; round < served_while_a_was_down.size(); ++round) {
        INFO("round " << round);
        CHECK(served_while_a_was_down[round] > 0);
    }
    check_nothing_lost(to_b, writers);
    HttpClient to_a(port_a);
    CHECK(keys_of(to_a, writers[0].identity, "load") == keys_of(to_b, writers[0].identity, "load"));
}

TEST_CASE(
    "PostgreSQL faults: the processors' leader killed, another server takes over and publishes each "
    "write once",
    "[postgres][servers][processors]") {
    TempDir dir;
    const std::vector<std::string> args = with(kUnsigned, {"--store", fresh_pg_database("leader")});
    const auto leading = with(args, {"--processor", "trigger", "--leader-lease-seconds", "2"});
    std::array<std::unique_ptr<ServerProcess>, 2> candidates = {
        std::make_unique<ServerProcess>(dir.file("a"), leading),
        std::make_unique<ServerProcess>(dir.file("b"), leading)};
    ServerProcess writer_side(dir.file("c"), args);  // takes the writes, runs no processor
    HttpClient to_c(writer_side.port());
    const std::string identity =
        to_c.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");

    const auto published_by = [](ServerProcess& server) {
        HttpClient client(server.port());
        const auto metrics = client.send("GET", "/metrics").body;
        const std::string series =
            R"(synclatch_processor_events_total{processor="trigger",outcome="published"} )";
        const auto at = metrics.find(series);
        return at == std::string::npos ? 0L : std::stol(metrics.substr(at + series.size()));
    };
    const std::string token =
        to_c.send("GET", dataset_path(identity, "profile") + "/records").json().at("SyncSessionToken");
    const auto write = [&](int n) {
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches",
                  {{{"Op", "replace"}, {"Key", numbered("k", n)}, {"Value", "v"}, {"SyncCount", 0}}}}};
        REQUIRE(to_c.send("POST", dataset_path(identity, "profile"), body.dump()).status == 200);
    };
    const auto events = [&] { return stream_data(to_c, "events").size(); };
    const auto wait_for_events = [&](std::size_t count, std::chrono::seconds bound) {
        const auto until = std::chrono::steady_clock::now() + bound;
        while (events() < count && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(50ms);
        return events();
    };

    constexpr int kBefore = 50, kAfter = 50;
    for (int n = 0; n < kBefore; ++n)
        write(n);
    REQUIRE(wait_for_events(kBefore, 10s) == kBefore);
    // One of the two led, the other waited.
    const long by_first = published_by(*candidates[0]), by_second = published_by(*candidates[1]);
    CHECK(by_first + by_second == kBefore);
    CHECK((by_first == 0 || by_second == 0));
    const std::size_t leader = by_first > 0 ? 0 : 1;
    auto& successor = *candidates[1 - leader];

    candidates[leader]->kill_hard();
    for (int n = kBefore; n < kBefore + kAfter; ++n)
        write(n);
    // The lease (2 s) runs out, the successor's next ask (within 0.4 s) takes it: well inside this bound,
    // which is there to fail rather than hang.
    REQUIRE(wait_for_events(kBefore + kAfter, 15s) == kBefore + kAfter);
    CHECK(published_by(successor) == kAfter);

    std::this_thread::sleep_for(500ms);  // nothing more may follow
    std::map<std::string, int> per_key;
    for (const auto& event : stream_data(to_c, "events"))
        ++per_key[event.at("thing").at("id").get<std::string>()];
    CHECK(per_key.size() == static_cast<std::size_t>(kBefore + kAfter));
    for (const auto& [key, times] : per_key) {
        INFO(key);
        CHECK(times == 1);
    }
}

TEST_CASE(
    "PostgreSQL faults: PostgreSQL restarted under load, servers answer retryable errors meanwhile "
    "and serve again after, with nothing acknowledged lost",
    "[postgres][servers][durability]") {
    PostgresCluster cluster;  // its own: this test kills it
    TempDir dir;
    const std::vector<std::string> args = with(kUnsigned, {"--store", cluster.create_database("restart")});
    ServerProcess a(dir.file("a"), args);
    ServerProcess b(dir.file("b"), args);
    HttpClient to_a(a.port());
    auto writers = new_writers(to_a, 2);

    std::atomic<bool> stop{false};
    std::atomic<std::size_t> acked{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < writers.size(); ++i) {
        threads.emplace_back([&, i] {
            write_new_keys(writers[i], numbered("w", static_cast<int>(i)), {a.port(), b.port()}, stop, acked);
        });
    }
    std::this_thread::sleep_for(500ms);
    cluster.kill_hard();
    std::this_thread::sleep_for(1s);
    const std::size_t before_restart = acked;
    cluster.restart();
    std::this_thread::sleep_for(2s);
    stop = true;
    for (auto& t : threads)
        t.join();

    std::size_t failed = 0;
    for (const auto& w : writers) {
        for (const auto& [status, count] : w.failures)
            failed += static_cast<std::size_t>(count);
    }
    CHECK(failed > 0);                  // the outage was seen...
    CHECK(acked > before_restart);      // ...and the servers serve again after it
    check_nothing_lost(to_a, writers);  // no answer was a success that did not happen
}
