// Hostile input against a real synclatch-server: each case gets its typed error or a closed connection,
// and changes nothing (the dataset's sync count and records are checked after each).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

struct HostileServer {
    HostileServer() {
        auto id = client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json();
        identity = id.at("IdentityId").get<std::string>();
        write("seed", "1", 0);
    }

    void write(const std::string& key, const std::string& value, int sync_count) {
        const auto token = records().at("SyncSessionToken").get<std::string>();
        const auto body =
            json{{"SyncSessionToken", token},
                 {"RecordPatches",
                  {{{"Op", "replace"}, {"Key", key}, {"Value", value}, {"SyncCount", sync_count}}}}};
        REQUIRE(client.send("POST", path(), body.dump()).status == 200);
    }
    json records() { return client.send("GET", path() + "/records").json(); }
    std::string path() const { return dataset_path(identity, "things"); }
    std::string token() { return records().at("SyncSessionToken"); }

    // The dataset is exactly as the fixture left it: one write, one record.
    void check_unchanged() {
        auto now = records();
        CHECK(now.at("DatasetSyncCount") == 1);
        CHECK(now.at("Records").size() == 1);
    }

    TempDir dir;
    ServerProcess server{dir.file("data"),
                         {"--auth", "none", "--max-body-bytes", "4096", "--max-patches-per-request", "3",
                          "--request-timeout-ms", "800"}};
    HttpClient client{server.port()};
    std::string identity;
};

}  // namespace

TEST_CASE_METHOD(HostileServer, "Hostile input: malformed JSON is InvalidParameterException",
                 "[integration][hostile]") {
    auto result = client.send("POST", path(), "{\"SyncSessionToken\": ");
    CHECK(result.status == 400);
    CHECK(result.error_type == "InvalidParameterException");
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: wrong JSON types are InvalidParameterException",
                 "[integration][hostile]") {
    const auto t = token();
    for (const json& body :
         {json{{"SyncSessionToken", 42}}, json{{"SyncSessionToken", t}, {"RecordPatches", "not a list"}},
          json{{"SyncSessionToken", t},
               {"RecordPatches", {{{"Op", "replace"}, {"Key", 5}, {"SyncCount", 1}}}}},
          json{{"SyncSessionToken", t},
               {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"SyncCount", true}}}}},
          json::array()}) {
        INFO(body.dump());
        auto result = client.send("POST", path(), body.dump());
        CHECK(result.status == 400);
        CHECK(result.error_type == "InvalidParameterException");
    }
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: an oversize body is refused and the connection closed",
                 "[integration][hostile]") {
    RawConnection raw(server.port());
    raw.send(raw_request("POST", path(), std::string(10'000, 'x')));
    bool closed = false;
    const auto answer = raw.read_until_closed(std::chrono::seconds(3), &closed);
    CHECK(answer.find("LimitExceededException") != std::string::npos);
    CHECK(closed);
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: too many patches is LimitExceededException",
                 "[integration][hostile]") {
    json patches = json::array();
    for (int i = 0; i < 4; ++i)
        patches.push_back({{"Op", "replace"}, {"Key", numbered("k", i)}, {"Value", "v"}, {"SyncCount", 0}});
    auto result =
        client.send("POST", path(), json{{"SyncSessionToken", token()}, {"RecordPatches", patches}}.dump());
    CHECK(result.status == 400);
    CHECK(result.error_type == "LimitExceededException");
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: bad dataset names and keys are InvalidParameterException",
                 "[integration][hostile]") {
    CHECK(client.send("GET", dataset_path(identity, "bad%20name") + "/records").error_type ==
          "InvalidParameterException");
    CHECK(client.send("GET", dataset_path(identity, std::string(129, 'x')) + "/records").error_type ==
          "InvalidParameterException");
    const auto body =
        json{{"SyncSessionToken", token()},
             {"RecordPatches",
              {{{"Op", "replace"}, {"Key", std::string(1025, 'k')}, {"Value", "v"}, {"SyncCount", 0}}}}};
    CHECK(client.send("POST", path(), body.dump()).error_type == "InvalidParameterException");
    CHECK(client
              .send("GET",
                    "/identitypools/not-a-pool/identities/" + encode_path_segment(identity) + "/datasets")
              .error_type == "InvalidParameterException");
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: percent-encoded path traversal is refused",
                 "[integration][hostile]") {
    for (const std::string& target : std::vector<std::string>{
             "/identitypools/..%2F..%2Fetc/identities", dataset_path(identity, "%2E%2E") + "/records",
             dataset_path(identity, "a%2Fb") + "/records", dataset_path(identity, "x%00") + "/records",
             dataset_path(identity, "%zz") + "/records"}) {
        INFO(target);
        auto result = client.send("GET", target);
        CHECK(result.status == 400);
        CHECK(result.error_type == "InvalidParameterException");
    }
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: unknown routes and methods are 404 ResourceNotFoundException",
                 "[integration][hostile]") {
    CHECK(client.send("GET", "/nope").status == 404);
    CHECK(client.send("GET", "/identitypools/" + encode_path_segment(kTestPool) + "/whatever").status == 404);
    auto patch = client.send("PATCH", path());
    CHECK(patch.status == 404);
    CHECK(patch.error_type == "ResourceNotFoundException");
    CHECK(client.send("PUT", path() + "/records", "{}").status == 404);
    CHECK(client.send("POST", "/", "{}").error_type == "InvalidParameterException");  // no X-Amz-Target
    check_unchanged();
}

// Found by identity_request_fuzzer and sync_api_fuzzer: error messages quote what was sent, and bytes
// that are not UTF-8 made building the answer throw (a 500 InternalErrorException).
TEST_CASE_METHOD(HostileServer,
                 "Hostile input: bytes that are not UTF-8 in X-Amz-Target or the path get typed errors",
                 "[integration][hostile]") {
    auto identity_call =
        client.send("POST", "/", "{}", std::nullopt, {{"X-Amz-Target", "AWSCognitoIdentityService.\xe0"}});
    CHECK(identity_call.status == 400);
    CHECK(identity_call.error_type == "InvalidParameterException");
    CHECK(identity_call.json().is_object());
    auto path = client.send("GET", "/\xb0");
    CHECK(path.status == 404);
    CHECK(path.error_type == "ResourceNotFoundException");
    CHECK(path.json().is_object());
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer, "Hostile input: oversized headers get 431 and a closed connection",
                 "[integration][hostile]") {
    RawConnection raw(server.port());
    raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    bool closed = false;
    const auto answer = raw.read_until_closed(std::chrono::seconds(3), &closed);
    CHECK(answer.starts_with("HTTP/1.1 431"));
    CHECK(closed);
}

TEST_CASE_METHOD(HostileServer, "Hostile input: a client sending one byte per second is timed out",
                 "[integration][hostile]") {
    RawConnection raw(server.port());
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    for (std::size_t i = 0; i < request.size() && !closed; ++i) {
        raw.send(request.substr(i, 1));
        raw.read_until_closed(std::chrono::milliseconds(250),
                              &closed);  // 4 bytes a second, well under a request
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(closed);
    CHECK(elapsed <
          std::chrono::seconds(5));  // cut off by the 0.8 s request deadline, not after the whole request
    CHECK(client.send("GET", "/healthz").status == 200);
}

TEST_CASE_METHOD(HostileServer, "Hostile input: a client vanishing mid-body changes nothing",
                 "[integration][hostile]") {
    const auto body =
        json{{"SyncSessionToken", token()},
             {"RecordPatches", {{{"Op", "replace"}, {"Key", "half"}, {"Value", "v"}, {"SyncCount", 0}}}}}
            .dump();
    {
        RawConnection raw(server.port());
        const auto request = raw_request("POST", path(), body);
        raw.send(request.substr(0, request.size() - 10));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        raw.close();  // gone before the body ends
    }
    CHECK(client.send("GET", "/healthz").status == 200);
    check_unchanged();
}

TEST_CASE_METHOD(HostileServer,
                 "Hostile input: a Transfer-Encoding that does not end in chunked is a 400 and a close",
                 "[integration][hostile]") {
    // RFC 9112 §6.3. The "body" is a whole second request: a server that took the body as empty would
    // answer it too.
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (const std::string coding : {"gzip", "identity", "xchunked", "chunked, identity", "chunked, gzip"}) {
        INFO("Transfer-Encoding: " << coding);
        RawConnection raw(server.port());
        raw.send("POST " + path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                 "Transfer-Encoding: " + coding + "\r\n\r\n" + smuggled);
        bool closed = false;
        const auto answer = raw.read_until_closed(std::chrono::seconds(3), &closed);
        CHECK(answer.starts_with("HTTP/1.1 400"));
        CHECK(answer.find("InvalidParameterException") != std::string::npos);
        CHECK(answer.find("HTTP/1.1", 1) == std::string::npos);  // one answer, not two
        CHECK(closed);
    }
    // A chunked body is still fine.
    RawConnection raw(server.port());
    raw.send(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n0\r\n\r\n");
    CHECK(raw.read_until_closed(std::chrono::seconds(3)).starts_with("HTTP/1.1 200"));
    check_unchanged();
}
