// The event streams of a real server: dataset-changes in the Cognito Streams format from the outbox,
// posted domain events, long-poll, consumer checkpoints, and developer-only access.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/signed_websocket.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/platform/server_streams.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

const synclatch::sync::sigv4::Credentials kAdmin{"ADMINKEY", "admin-secret", ""};

struct StreamsServer {
    TempDir dir;
    ServerProcess server{dir.file("data"), {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret"}};
    HttpClient client{server.port()};

    // One UpdateRecords by a new identity, through the developer key.
    std::string write_as_new_identity(const std::string& key, const std::string& value) {
        auto [identity, creds] = new_identity(client);
        const auto token = client.send("GET", dataset_path(identity, "things") + "/records", "", creds)
                               .json()
                               .at("SyncSessionToken")
                               .get<std::string>();
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", value}, {"SyncCount", 0}}}}};
        REQUIRE(client.send("POST", dataset_path(identity, "things"), body.dump(), creds).status == 200);
        return identity;
    }
};

}  // namespace

TEST_CASE_METHOD(StreamsServer, "Streams: each UpdateRecords appears once in dataset-changes",
                 "[integration][streams]") {
    const auto identity = write_as_new_identity("k", "v");
    auto read = client.send("GET", "/streams/dataset-changes/records?after=0", "", kAdmin);
    REQUIRE(read.status == 200);
    auto records = read.json().at("Records");
    REQUIRE(records.size() == 1);
    const auto data = records[0].at("Data");
    CHECK(data.at("identityId") == identity);
    CHECK(data.at("datasetName") == "things");
    CHECK(data.at("syncCount") == 1);
    CHECK(data.at("kinesisSyncRecords").at(0).at("value") == "v");
    CHECK(records[0].at("PartitionKey") == identity);
    const auto seq = records[0].at("SequenceNumber").get<long>();
    CHECK(read.json().at("LastSequenceNumber") == seq);
    // Reading after it returns nothing more.
    auto after =
        client.send("GET", "/streams/dataset-changes/records?after=" + std::to_string(seq), "", kAdmin)
            .json();
    CHECK(after.at("Records").empty());
    CHECK(after.at("LastSequenceNumber") == seq);
}

TEST_CASE_METHOD(StreamsServer, "Streams: domain events are posted and read back in order",
                 "[integration][streams]") {
    for (int i = 0; i < 3; ++i) {
        const auto event = json{{"PartitionKey", "thing-" + std::to_string(i)},
                                {"Data", {{"id", std::to_string(i)}, {"type", "thing-created"}}}};
        auto posted = client.send("POST", "/streams/events/records", event.dump(), kAdmin);
        REQUIRE(posted.status == 200);
    }
    auto read = client.send("GET", "/streams/events/records?after=0&limit=2", "", kAdmin).json();
    REQUIRE(read.at("Records").size() == 2);
    CHECK(read.at("Records")[0].at("Data").at("id") == "0");
    CHECK(read.at("Records")[1].at("Data").at("type") == "thing-created");
    auto rest =
        client
            .send("GET", "/streams/events/records?after=" + read.at("LastSequenceNumber").dump(), "", kAdmin)
            .json();
    REQUIRE(rest.at("Records").size() == 1);
    CHECK(rest.at("Records")[0].at("PartitionKey") == "thing-2");
}

TEST_CASE_METHOD(StreamsServer, "Streams: bad posts and unknown streams get typed errors",
                 "[integration][streams]") {
    CHECK(client.send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": "text"})", kAdmin)
              .error_type == "InvalidParameterException");
    CHECK(client.send("POST", "/streams/events/records", R"({"Data": {}})", kAdmin).error_type ==
          "InvalidParameterException");
    CHECK(
        client
            .send("POST", "/streams/dataset-changes/records", R"({"PartitionKey": "p", "Data": {}})", kAdmin)
            .error_type == "InvalidParameterException");
    CHECK(client.send("GET", "/streams/nope/records", "", kAdmin).error_type == "ResourceNotFoundException");
    CHECK(client.send("GET", "/streams/events/records?limit=100000", "", kAdmin).error_type ==
          "InvalidParameterException");
    CHECK(client.send("GET", "/streams/events/records?wait=3600", "", kAdmin).error_type ==
          "InvalidParameterException");
    CHECK(client.send("GET", "/streams/events/records", "", kAdmin).json().at("Records").empty());
}

TEST_CASE_METHOD(StreamsServer, "Streams: a long-poll returns as soon as a record arrives",
                 "[integration][streams]") {
    std::thread writer([port = server.port()] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        HttpClient other(port);
        other.send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": {"late": true}})",
                   kAdmin);
    });
    const auto start = std::chrono::steady_clock::now();
    auto read = client.send("GET", "/streams/events/records?after=0&wait=10", "", kAdmin);
    const auto waited = std::chrono::steady_clock::now() - start;
    writer.join();
    REQUIRE(read.status == 200);
    REQUIRE(read.json().at("Records").size() == 1);
    CHECK(read.json().at("Records")[0].at("Data").at("late") == true);
    CHECK(waited >= std::chrono::milliseconds(250));  // it did wait for the record
    CHECK(waited < std::chrono::seconds(5));          // and did not sit out the whole wait
}

TEST_CASE("Streams: consumer checkpoints are durable across a restart", "[integration][streams]") {
    TempDir dir;
    {
        ServerProcess server(dir.file("data"), {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret"});
        HttpClient client(server.port());
        CHECK(client.send("GET", "/streams/events/consumers/listener", "", kAdmin)
                  .json()
                  .at("SequenceNumber") == 0);
        REQUIRE(client.send("PUT", "/streams/events/consumers/listener", R"({"SequenceNumber": 42})", kAdmin)
                    .status == 200);
        CHECK(client.send("PUT", "/streams/events/consumers/bad%20name", R"({"SequenceNumber": 1})", kAdmin)
                  .error_type == "InvalidParameterException");
        CHECK(client.send("PUT", "/streams/events/consumers/listener", R"({"SequenceNumber": "x"})", kAdmin)
                  .error_type == "InvalidParameterException");
        REQUIRE(server.terminate() != -1);
    }
    ServerProcess server(dir.file("data"), {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret"});
    HttpClient client(server.port());
    CHECK(client.send("GET", "/streams/events/consumers/listener", "", kAdmin).json().at("SequenceNumber") ==
          42);
}

TEST_CASE_METHOD(StreamsServer, "Streams: only the developer credentials may use them",
                 "[integration][streams]") {
    auto [identity, creds] = new_identity(client);
    auto as_identity = client.send("GET", "/streams/dataset-changes/records", "", creds);
    CHECK(as_identity.status == 403);
    CHECK(as_identity.error_type == "NotAuthorizedException");
    CHECK(client.send("GET", "/streams/dataset-changes/records").error_type == "NotAuthorizedException");
    CHECK(client.send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": {}})", creds)
              .status == 403);
}

TEST_CASE_METHOD(StreamsServer, "BulkPublish: one dataset-changes record per existing dataset, then details",
                 "[integration][streams][bulkpublish]") {
    const auto alice = write_as_new_identity("a", "1");
    const auto bob = write_as_new_identity("b", "2");
    const auto before = client.send("GET", "/streams/dataset-changes/records?after=0", "", kAdmin).json();
    const std::int64_t last = before.at("LastSequenceNumber");
    const std::string pool = "/identitypools/" + encode_path_segment(kTestPool);

    auto details = client.send("POST", pool + "/getBulkPublishDetails", "{}", kAdmin);
    REQUIRE(details.status == 200);
    CHECK(details.json().at("BulkPublishStatus") == "NOT_STARTED");

    auto started = client.send("POST", pool + "/bulkpublish", "{}", kAdmin);
    REQUIRE(started.status == 200);
    CHECK(started.json() == json{{"IdentityPoolId", kTestPool}});
    json state;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        state = client.send("POST", pool + "/getBulkPublishDetails", "{}", kAdmin).json();
        if (state.at("BulkPublishStatus") != "IN_PROGRESS") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    REQUIRE(state.at("BulkPublishStatus") == "SUCCEEDED");
    CHECK(state.at("BulkPublishStartTime").is_number());
    CHECK(state.at("BulkPublishCompleteTime") >= state.at("BulkPublishStartTime"));
    CHECK_FALSE(state.contains("FailureMessage"));

    const auto published =
        client.send("GET", "/streams/dataset-changes/records?after=" + std::to_string(last), "", kAdmin)
            .json();
    REQUIRE(published.at("Records").size() == 2);
    std::map<std::string, json> by_identity;
    for (const auto& record : published.at("Records"))
        by_identity[record.at("Data").at("identityId")] = record.at("Data");
    REQUIRE(by_identity.count(alice) == 1);
    CHECK(by_identity[alice].at("datasetName") == "things");
    CHECK(by_identity[alice].at("syncCount") == 1);
    CHECK(by_identity[alice].at("kinesisSyncRecords").at(0).at("value") == "1");
    CHECK(by_identity[bob].at("kinesisSyncRecords").at(0).at("key") == "b");

    auto again = client.send("POST", pool + "/bulkpublish", "{}", kAdmin);
    CHECK(again.status == 400);
    CHECK(again.error_type == "AlreadyStreamedException");
    auto [identity, creds] = new_identity(client);
    CHECK(client.send("POST", pool + "/bulkpublish", "{}", creds).error_type == "NotAuthorizedException");
    auto unknown = client.send(
        "POST", "/identitypools/us-east-1%3A00000000-0000-4000-8000-0000000000ff/bulkpublish", "{}", kAdmin);
    CHECK(unknown.error_type == "ResourceNotFoundException");
}

TEST_CASE_METHOD(StreamsServer,
                 "Streams: a WebSocket subscription sends the backlog after SEQ, then new records live",
                 "[integration][streams][websocket]") {
    write_as_new_identity("first", "1");
    const auto second = write_as_new_identity("second", "2");
    const std::int64_t first_seq =
        client.send("GET", "/streams/dataset-changes/records?after=0&limit=1", "", kAdmin)
            .json()
            .at("LastSequenceNumber");

    SignedWebSocket subscription(server.port(), "/streams/dataset-changes/subscribe",
                                 "after=" + std::to_string(first_seq), kAdmin);
    REQUIRE(subscription.connected());
    auto backlog = subscription.next(std::chrono::seconds(5));
    REQUIRE(backlog);
    CHECK(backlog->at("SequenceNumber") == first_seq + 1);
    CHECK(backlog->at("PartitionKey") == second);
    CHECK(backlog->at("Data").at("kinesisSyncRecords").at(0).at("key") == "second");

    const auto start = std::chrono::steady_clock::now();
    const auto third = write_as_new_identity("third", "3");
    auto live = subscription.next(std::chrono::seconds(5));
    REQUIRE(live);
    CHECK(live->at("SequenceNumber") == first_seq + 2);
    CHECK(live->at("PartitionKey") == third);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));

    // Posted domain events arrive on their own stream.
    SignedWebSocket events(server.port(), "/streams/events/subscribe", "", kAdmin);
    REQUIRE(events.connected());
    REQUIRE(client
                .send("POST", "/streams/events/records",
                      R"({"PartitionKey":"k","Data":{"type":"thing-created"}})", kAdmin)
                .status == 200);
    auto event = events.next(std::chrono::seconds(5));
    REQUIRE(event);
    CHECK(event->at("Data") == json{{"type", "thing-created"}});

    // Open subscriptions do not hold up a graceful stop.
    const auto stopping = std::chrono::steady_clock::now();
    CHECK(server.terminate() == 0);
    CHECK(std::chrono::steady_clock::now() - stopping < std::chrono::seconds(3));
}

TEST_CASE_METHOD(StreamsServer, "Streams: WebSocket subscriptions are developer only and refuse bad requests",
                 "[integration][streams][websocket]") {
    auto [identity, creds] = new_identity(client);
    CHECK_FALSE(SignedWebSocket(server.port(), "/streams/dataset-changes/subscribe", "", creds).connected());
    CHECK_FALSE(SignedWebSocket(server.port(), "/streams/nope/subscribe", "", kAdmin).connected());
    CHECK_FALSE(SignedWebSocket(server.port(), "/streams/events/subscribe", "after=-1", kAdmin).connected());
    CHECK_FALSE(SignedWebSocket(server.port(), "/streams/events/subscribe", "after=x", kAdmin).connected());
    const synclatch::sync::sigv4::Credentials forged{"ADMINKEY", "wrong-secret", ""};
    CHECK_FALSE(SignedWebSocket(server.port(), "/streams/events/subscribe", "", forged).connected());
    CHECK(SignedWebSocket(server.port(), "/streams/events/subscribe", "after=0", kAdmin).connected());
}

TEST_CASE_METHOD(StreamsServer,
                 "ServerStreams: posts an event, reads it back, reads counters and refuses a bad key",
                 "[integration][streams]") {
    using synclatch::platform::ServerStreams;
    const auto endpoint =
        synclatch::sync::parse_endpoint("http://127.0.0.1:" + std::to_string(server.port())).value();
    auto streams = ServerStreams::open(endpoint, kAdmin).value();

    auto seq = streams->post_event("thing-1", R"({"id":"e1","type":"thing-created"})");
    REQUIRE(seq.ok());
    auto page = streams->read("events", *seq - 1, 10, std::chrono::seconds(1));
    REQUIRE(page.ok());
    REQUIRE(page->records.size() == 1);
    CHECK(page->records[0].sequence_number == *seq);
    CHECK(page->records[0].partition_key == "thing-1");
    CHECK(json::parse(page->records[0].data).at("id") == "e1");
    CHECK(page->records[0].arrival > 0);
    CHECK(page->last_sequence_number == *seq);

    // Nothing after the last record: an empty page after the wait, positioned where it was asked.
    auto empty = streams->read("events", *seq, 10, std::chrono::seconds(1));
    REQUIRE(empty.ok());
    CHECK(empty->records.empty());
    CHECK(empty->last_sequence_number == *seq);

    CHECK(streams->post_event("k", "[1,2]").status().code() == synclatch::Errc::invalid_argument);
    CHECK(streams->read("no-such-stream", 0).status().code() == synclatch::Errc::not_found);

    auto metrics = streams->metrics();
    REQUIRE(metrics.ok());
    CHECK(synclatch::platform::metric_value(*metrics, "synclatch_requests_total", {}) > 0);

    auto stranger = ServerStreams::open(endpoint, {"ADMINKEY", "wrong-secret", ""}).value();
    CHECK(stranger->read("events", 0).status().code() == synclatch::Errc::unauthorized);
    CHECK(stranger->post_event("k", "{}").status().code() == synclatch::Errc::unauthorized);
    CHECK(streams->read("events", 0)->records.size() == 1);  // the refused post changed nothing
}

TEST_CASE("ServerStreams: metric_value picks the sample with all the labels asked for", "[streams]") {
    const std::string text =
        "# HELP x_total X.\n# TYPE x_total counter\n"
        "x_total{processor=\"bridge\",outcome=\"applied\"} 3\n"
        "x_total{processor=\"listener\",outcome=\"applied\"} 5\n"
        "x_total_more 9\nplain 2.5\n";
    using synclatch::platform::metric_value;
    CHECK(metric_value(text, "x_total", {{"processor", "listener"}, {"outcome", "applied"}}) == 5);
    CHECK(metric_value(text, "x_total", {{"processor", "bridge"}}) == 3);
    CHECK(metric_value(text, "x_total", {{"processor", "trigger"}}) == 0);
    CHECK(metric_value(text, "plain", {}) == 2.5);
    CHECK(metric_value(text, "x_total_more", {}) == 9);
    CHECK(metric_value(text, "missing", {}) == 0);
}
