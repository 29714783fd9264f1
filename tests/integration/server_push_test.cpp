// Push sync on a real server: devices, dataset subscriptions, and (below) the WebSocket that carries
// the push payload of PROTOCOL.md §3.6 to other subscribed devices.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/signed_websocket.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

struct PushServer {
    TempDir dir;
    ServerProcess server{dir.file("data"), {"--auth", "sigv4"}};
    HttpClient client{server.port()};

    std::string register_device(const std::string& identity, const synclatch::sync::sigv4::Credentials& creds,
                                const std::string& token) {
        const auto path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                          encode_path_segment(identity) + "/device";
        auto result = client.send("POST", path, json{{"Platform", "GCM"}, {"Token", token}}.dump(), creds);
        REQUIRE(result.status == 200);
        return result.json().at("DeviceId");
    }
};

}  // namespace

TEST_CASE_METHOD(PushServer, "Push: devices register once per token and subscribe to datasets",
                 "[integration][push]") {
    auto [identity, creds] = new_identity(client);
    const auto d1 = register_device(identity, creds, "token-1");
    const auto d2 = register_device(identity, creds, "token-2");
    CHECK(d1 != d2);
    CHECK(register_device(identity, creds, "token-1") == d1);  // the same device again

    const auto subscription = dataset_path(identity, "things") + "/subscriptions/";
    auto subscribed = client.send("POST", subscription + d1, "{}", creds);
    CHECK(subscribed.status == 200);
    CHECK(subscribed.json() == json::object());
    CHECK(client.send("POST", subscription + d1, "{}", creds).status == 200);  // idempotent
    CHECK(client.send("DELETE", subscription + d1, "", creds).status == 200);
    CHECK(client.send("POST", subscription + "no-such-device", "{}", creds).error_type ==
          "ResourceNotFoundException");

    const auto path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                      encode_path_segment(identity) + "/device";
    CHECK(client.send("POST", path, R"({"Platform": "PIGEON", "Token": "t"})", creds).error_type ==
          "InvalidParameterException");
    CHECK(client.send("POST", path, R"({"Platform": "GCM"})", creds).error_type ==
          "InvalidParameterException");

    // Another identity can neither register for this one nor subscribe its devices.
    auto [other, other_creds] = new_identity(client);
    CHECK(client.send("POST", path, R"({"Platform": "GCM", "Token": "x"})", other_creds).status == 403);
    CHECK(client.send("POST", dataset_path(other, "things") + "/subscriptions/" + d1, "{}", other_creds)
              .error_type == "ResourceNotFoundException");
}

namespace {

// A device's push channel: a WebSocket to /push?deviceId=ID whose upgrade request is SigV4-signed.
SignedWebSocket push_channel(unsigned short port, const std::string& device,
                             const synclatch::sync::sigv4::Credentials& creds) {
    return SignedWebSocket(port, "/push", "deviceId=" + device, creds);
}

}  // namespace

TEST_CASE_METHOD(PushServer, "Push: a change by one device reaches the other subscribed devices",
                 "[integration][push]") {
    auto [identity, creds] = new_identity(client);
    const auto writer = register_device(identity, creds, "writer-token");
    const auto reader = register_device(identity, creds, "reader-token");
    for (const auto& device : {writer, reader}) {
        REQUIRE(
            client.send("POST", dataset_path(identity, "things") + "/subscriptions/" + device, "{}", creds)
                .status == 200);
    }
    SignedWebSocket reader_channel = push_channel(server.port(), reader, creds);
    SignedWebSocket writer_channel = push_channel(server.port(), writer, creds);
    REQUIRE(reader_channel.connected());
    REQUIRE(writer_channel.connected());

    const auto token = client.send("GET", dataset_path(identity, "things") + "/records", "", creds)
                           .json()
                           .at("SyncSessionToken");
    const auto body =
        json{{"SyncSessionToken", token},
             {"DeviceId", writer},
             {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(client.send("POST", dataset_path(identity, "things"), body.dump(), creds).status == 200);
    auto payload = reader_channel.next(std::chrono::seconds(5));
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    REQUIRE(payload);
    std::printf("push: payload reached the other device %lld us after UpdateRecords was sent\n",
                static_cast<long long>(latency.count()));
    CHECK(*payload == json{{"source", "cognito-sync"},
                           {"identityPoolId", kTestPool},
                           {"identityId", identity},
                           {"datasetName", "things"},
                           {"syncCount", "1"}});
    // The device that wrote is not told of its own change.
    CHECK_FALSE(writer_channel.next(std::chrono::milliseconds(300)));
}

TEST_CASE_METHOD(PushServer, "Push: unsubscribed devices hear nothing, and other identities cannot listen",
                 "[integration][push]") {
    auto [identity, creds] = new_identity(client);
    const auto device = register_device(identity, creds, "t");
    const auto subscription = dataset_path(identity, "things") + "/subscriptions/" + device;
    REQUIRE(client.send("POST", subscription, "{}", creds).status == 200);
    REQUIRE(client.send("DELETE", subscription, "", creds).status == 200);
    SignedWebSocket channel = push_channel(server.port(), device, creds);
    REQUIRE(channel.connected());
    const auto token = client.send("GET", dataset_path(identity, "things") + "/records", "", creds)
                           .json()
                           .at("SyncSessionToken");
    const auto body =
        json{{"SyncSessionToken", token},
             {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    REQUIRE(client.send("POST", dataset_path(identity, "things"), body.dump(), creds).status == 200);
    CHECK_FALSE(channel.next(std::chrono::milliseconds(300)));

    auto [other, other_creds] = new_identity(client);
    SignedWebSocket intruder = push_channel(server.port(), device, other_creds);
    CHECK_FALSE(intruder.connected());
    SignedWebSocket unknown = push_channel(server.port(), "no-such-device", creds);
    CHECK_FALSE(unknown.connected());
}

TEST_CASE("Push: SIGTERM closes open push channels and the server exits cleanly", "[integration][push]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "sigv4"});
    HttpClient client(server.port());
    auto [identity, creds] = new_identity(client);
    const auto path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                      encode_path_segment(identity) + "/device";
    const std::string device =
        client.send("POST", path, R"({"Platform": "GCM", "Token": "t"})", creds).json().at("DeviceId");
    SignedWebSocket channel = push_channel(server.port(), device, creds);
    REQUIRE(channel.connected());
    const auto start = std::chrono::steady_clock::now();
    const int status = server.terminate();
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK_FALSE(channel.next(std::chrono::milliseconds(500)));  // the channel was closed, not left hanging
}
