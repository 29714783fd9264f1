// Push sync on a real server: devices, dataset subscriptions, and (below) the WebSocket that carries
// the push payload of PROTOCOL.md §3.6 to other subscribed devices.
#include <catch2/catch.hpp>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

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
