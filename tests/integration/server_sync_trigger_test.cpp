// Cognito Events against a real server: SetCognitoEvents names a webhook, every UpdateRecords then goes
// through it, its answer is what gets written, and its failures come back typed with nothing written.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <tuple>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/real_server.hpp"
#include "support/server_process.hpp"
#include "support/sync_device.hpp"
#include "support/temp_dir.hpp"
#include "support/webhook_server.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

const synclatch::sync::sigv4::Credentials kAdmin{"ADMINKEY", "admin-secret", ""};

// Upper-cases every new value: the answer a hook that rewrites patches gives.
std::pair<unsigned, std::string> upper_case(const std::string& body) {
    json event = json::parse(body);
    for (auto& [key, record] : event["datasetRecords"].items()) {
        if (!record["newValue"].is_string()) continue;
        std::string value = record["newValue"];
        for (auto& c : value)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        record["newValue"] = value;
    }
    return {200, event.dump()};
}

struct TriggerServer {
    TempDir dir;
    ServerProcess server{
        dir.file("data"),
        {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret", "--sync-trigger-timeout-ms", "300"}};
    HttpClient client{server.port()};
    WebhookServer hook{upper_case};
    const std::string events_path = "/identitypools/" + encode_path_segment(kTestPool) + "/events";

    HttpResult write(const std::string& identity, const synclatch::sync::sigv4::Credentials& creds,
                     const std::string& value, int sync_count) {
        const std::string token =
            client.send("GET", dataset_path(identity, "profile") + "/records", "", creds)
                .json()
                .at("SyncSessionToken");
        const json body = {
            {"SyncSessionToken", token},
            {"RecordPatches",
             {{{"Op", "replace"}, {"Key", "name"}, {"Value", value}, {"SyncCount", sync_count}}}}};
        return client.send("POST", dataset_path(identity, "profile"), body.dump(), creds);
    }
    json stored(const std::string& identity, const synclatch::sync::sigv4::Credentials& creds) {
        return client.send("GET", dataset_path(identity, "profile") + "/records?lastSyncCount=0", "", creds)
            .json();
    }
};

}  // namespace

TEST_CASE_METHOD(TriggerServer, "SyncTrigger: a webhook rewrites every UpdateRecords of the pool",
                 "[integration][trigger]") {
    auto fresh = client.send("GET", events_path, "", kAdmin);
    REQUIRE(fresh.status == 200);
    CHECK(fresh.json() == json{{"Events", json::object()}});
    REQUIRE(client.send("POST", events_path, json{{"Events", {{"SyncTrigger", hook.url()}}}}.dump(), kAdmin)
                .status == 200);
    CHECK(client.send("GET", events_path, "", kAdmin).json() ==
          json{{"Events", {{"SyncTrigger", hook.url()}}}});

    auto [identity, creds] = new_identity(client);
    auto written = write(identity, creds, "ada", 0);
    REQUIRE(written.status == 200);
    CHECK(written.json().at("Records").at(0).at("Value") == "ADA");  // the answer is what was written
    CHECK(stored(identity, creds).at("Records").at(0).at("Value") == "ADA");
    REQUIRE(write(identity, creds, "grace", 1).status == 200);

    const auto calls = hook.bodies();
    REQUIRE(calls.size() == 2);
    const json second = json::parse(calls[1]);
    CHECK(second.at("eventType") == "SyncTrigger");
    CHECK(second.at("identityId") == identity);
    CHECK(second.at("datasetName") == "profile");
    CHECK(second.at("datasetRecords").at("name") ==
          json{{"oldValue", "ADA"}, {"newValue", "grace"}, {"op", "replace"}});

    // Cleared: writes go through unchanged, and the hook hears nothing more.
    REQUIRE(client.send("POST", events_path, json{{"Events", json::object()}}.dump(), kAdmin).status == 200);
    REQUIRE(write(identity, creds, "hopper", 2).status == 200);
    CHECK(stored(identity, creds).at("Records").at(0).at("Value") == "hopper");
    CHECK(hook.bodies().size() == 2);
}

TEST_CASE_METHOD(TriggerServer, "SyncTrigger: throttled, failing, late or malformed hooks write nothing",
                 "[integration][trigger]") {
    REQUIRE(client.send("POST", events_path, json{{"Events", {{"SyncTrigger", hook.url()}}}}.dump(), kAdmin)
                .status == 200);
    // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = new_identity(client);
    REQUIRE(write(identity, creds, "ada", 0).status == 200);

    auto refused = [&](WebhookServer::Answer answer, unsigned status, const std::string& type) {
        hook.set_answer(std::move(answer));
        auto result = write(identity, creds, "changed", 1);
        CHECK(result.status == status);
        CHECK(result.error_type == type);
        const json page = stored(identity, creds);
        CHECK(page.at("DatasetSyncCount") == 1);  // nothing written
        CHECK(page.at("Records").at(0).at("Value") == "ADA");
    };
    refused(
        [](const std::string&) {
            return std::pair<unsigned, std::string>{429, "{}"};
        },
        429, "LambdaThrottledException");
    refused(
        [](const std::string&) {
            return std::pair<unsigned, std::string>{500, "oops"};
        },
        400, "InvalidLambdaFunctionOutputException");
    refused(
        [](const std::string&) {
            return std::pair<unsigned, std::string>{200, "not json"};
        },
        400, "InvalidLambdaFunctionOutputException");
    refused(
        [](const std::string&) {
            return std::pair<unsigned, std::string>{200, R"({"datasetRecords":{"x":{}}})"};
        },
        400, "InvalidLambdaFunctionOutputException");
    const auto start = std::chrono::steady_clock::now();
    refused(
        [](const std::string& body) {
            std::this_thread::sleep_for(
                std::chrono::milliseconds(800));  // beyond the 300 ms the server allows
            return upper_case(body);
        },
        400, "InvalidLambdaFunctionOutputException");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE_METHOD(TriggerServer,
                 "SyncTrigger: SetCognitoEvents refuses what it cannot run, and is developer only",
                 "[integration][trigger]") {
    auto set = [&](const json& events, const synclatch::sync::sigv4::Credentials& who = kAdmin) {
        return client.send("POST", events_path, json{{"Events", events}}.dump(), who);
    };
    CHECK(set({{"SyncTrigger", "arn:aws:lambda:us-east-1:123456789012:function:f"}}).error_type ==
          "InvalidParameterException");
    CHECK(set({{"SyncTrigger", "https://hooks.example.com/"}}).error_type == "InvalidParameterException");
    CHECK(set({{"SyncTrigger", "synclatch:nobody-registered-this"}}).error_type ==
          "InvalidParameterException");
    CHECK(set({{"OtherEvent", hook.url()}}).error_type == "InvalidParameterException");
    CHECK(set({{"SyncTrigger", 7}}).error_type == "InvalidParameterException");
    CHECK(client.send("POST", events_path, "[]", kAdmin).error_type == "InvalidParameterException");
    CHECK(client.send("GET", events_path, "", kAdmin).json() ==
          json{{"Events", json::object()}});  // unchanged
    auto [identity, creds] = new_identity(client);
    CHECK(set({{"SyncTrigger", hook.url()}}, creds).error_type == "NotAuthorizedException");
    CHECK(client.send("GET", events_path, "", creds).error_type == "NotAuthorizedException");
}

TEST_CASE("SyncTrigger: a change the trigger drops settles on the device and is not pushed again",
          "[integration][trigger]") {
    // The hook leaves out every record whose new value starts with "banned".
    WebhookServer hook([](const std::string& body) {
        json event = json::parse(body);
        json kept = json::object();
        for (auto& [key, record] : event["datasetRecords"].items()) {
            if (!(record["newValue"].is_string() &&
                  record["newValue"].get<std::string>().starts_with("banned")))
                kept[key] = record;
        }
        event["datasetRecords"] = kept;
        return std::pair<unsigned, std::string>{200, event.dump()};
    });
    TempDir dir;
    RealServer server(dir.file("data"));
    const std::string endpoint = server.endpoint();
    HttpClient admin(static_cast<unsigned short>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))));
    const synclatch::sync::sigv4::Credentials developer{kDeviceAccessKey, kDeviceSecretKey, ""};
    REQUIRE(admin
                .send("POST", "/identitypools/" + encode_path_segment(kTestPool) + "/events",
                      json{{"Events", {{"SyncTrigger", hook.url()}}}}.dump(), developer)
                .status == 200);
    const std::string identity = server.create_identity();
    synclatch::core::EpochMillis time = 1'700'000'000'000;
    SyncDevice a(
        dir.file("a.db"), server.client(), identity, [&] { return ++time; }, "a", endpoint);
    auto things = a.dataset("things");
    REQUIRE(things.put("nick", "ada").ok());
    REQUIRE(a.sync("things").ok());

    REQUIRE(things.put("nick", "banned word").ok());
    REQUIRE(things.put("fresh", "banned too").ok());
    REQUIRE(things.put("color", "teal").ok());
    auto pushed = a.sync("things");
    INFO(pushed.status().to_string());
    REQUIRE(pushed.ok());
    CHECK(things.get("nick").value() == "ada");  // the server's value, clean
    CHECK_FALSE(things.get("fresh").value().has_value());
    CHECK(things.get("color").value() == "teal");
    CHECK(things.modified_records().value().empty());
    const auto calls = hook.bodies().size();

    auto next = a.sync("things");
    REQUIRE(next.ok());
    CHECK(next->pushed == 0);
    CHECK(next->requests == 1);  // a ListRecords: nothing left to push
    CHECK(hook.bodies().size() == calls);

    SyncDevice b(
        dir.file("b.db"), server.client(), identity, [&] { return ++time; }, "b", endpoint);
    REQUIRE(b.sync("things").ok());
    CHECK(b.dataset("things").get_all().value() ==
          std::map<std::string, std::string>{{"color", "teal"}, {"nick", "ada"}});
}

TEST_CASE_METHOD(TriggerServer,
                 "SyncTrigger: a request over the bounds is refused before the hook hears of it",
                 "[integration][trigger]") {
    REQUIRE(client.send("POST", events_path, json{{"Events", {{"SyncTrigger", hook.url()}}}}.dump(), kAdmin)
                .status == 200);
    auto [identity, creds] = new_identity(client);
    const std::string token = client.send("GET", dataset_path(identity, "profile") + "/records", "", creds)
                                  .json()
                                  .at("SyncSessionToken");
    json patches = json::array();
    for (int i = 0; i < 1025; ++i)  // one over --max-patches-per-request's default
        patches.push_back({{"Op", "replace"}, {"Key", numbered("k", i)}, {"Value", "v"}, {"SyncCount", 0}});
    const auto refused =
        client.send("POST", dataset_path(identity, "profile"),
                    json{{"SyncSessionToken", token}, {"RecordPatches", patches}}.dump(), creds);
    CHECK(refused.error_type == "LimitExceededException");
    CHECK(hook.bodies().empty());
}
