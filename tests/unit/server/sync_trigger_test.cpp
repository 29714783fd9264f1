// SyncTrigger (Cognito Events): the event a hook receives, how its answer rewrites the patches, which
// answers are refused, webhook URLs, and in-process hooks with their errors as Cognito types.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "hooks/sync_triggers.hpp"
#include "hooks/webhook_client.hpp"

using namespace synclatch;
using namespace synclatch::server;
using json = nlohmann::json;
using sync::PatchOp;
using sync::RecordPatch;

namespace {

const std::vector<RecordPatch> kPatches = {{PatchOp::replace, "name", std::string("ada"), 3, 100},
                                           {PatchOp::remove, "old", std::nullopt, 2, std::nullopt}};

std::vector<RecordPatch> rewrite(const json& answer, std::string& why) {
    auto rewritten = apply_sync_trigger_answer(kPatches, answer, why);
    return rewritten ? *rewritten : std::vector<RecordPatch>{{PatchOp::replace, "<refused>", {}, -1, {}}};
}

std::variant<json, TriggerError> run(const SyncTriggers& triggers, std::string_view setting,
                                     const json& event) {
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, triggers.invoke(setting, event), boost::asio::use_future);
    io.run();
    return done.get();
}

}  // namespace

TEST_CASE("SyncTrigger: the event names the dataset and each record's old and new value",
          "[server][trigger]") {
    const json event = make_sync_trigger_event("us-east-1:pool", "us-east-1:abc", "profile", kPatches,
                                               {{"name", "Ada"}, {"old", "x"}});
    CHECK(event.at("version") == 2);
    CHECK(event.at("eventType") == "SyncTrigger");
    CHECK(event.at("region") == "us-east-1");
    CHECK(event.at("identityPoolId") == "us-east-1:pool");
    CHECK(event.at("identityId") == "us-east-1:abc");
    CHECK(event.at("datasetName") == "profile");
    CHECK(event.at("datasetRecords").at("name") ==
          json{{"oldValue", "Ada"}, {"newValue", "ada"}, {"op", "replace"}});
    CHECK(event.at("datasetRecords").at("old") ==
          json{{"oldValue", "x"}, {"newValue", nullptr}, {"op", "remove"}});
    const json fresh = make_sync_trigger_event("us-east-1:pool", "us-east-1:abc", "profile", kPatches, {});
    CHECK(fresh.at("datasetRecords").at("name").at("oldValue").is_null());
}

TEST_CASE("SyncTrigger: an answer may change values and ops and leave records out, keeping sync counts",
          "[server][trigger]") {
    std::string why;
    const json unchanged = make_sync_trigger_event("p:1", "i:2", "d", kPatches, {});
    CHECK(rewrite(unchanged, why) == kPatches);

    json rewritten = unchanged;
    rewritten["datasetRecords"]["name"]["newValue"] = "ADA";
    rewritten["datasetRecords"]["old"] = json{{"op", "replace"}, {"newValue", "kept after all"}};
    const auto patches = rewrite(rewritten, why);
    REQUIRE(patches.size() == 2);
    CHECK(patches[0] == RecordPatch{PatchOp::replace, "name", std::string("ADA"), 3, 100});
    CHECK(patches[1] == RecordPatch{PatchOp::replace, "old", std::string("kept after all"), 2, std::nullopt});

    json fewer = unchanged;
    fewer["datasetRecords"].erase("old");
    fewer["datasetRecords"]["name"] = json{{"op", "remove"}};
    CHECK(rewrite(fewer, why) == std::vector<RecordPatch>{{PatchOp::remove, "name", std::nullopt, 3, 100}});
}

TEST_CASE("SyncTrigger: answers that add keys, lack ops or values, or are not the event are refused",
          "[server][trigger]") {
    const json base = make_sync_trigger_event("p:1", "i:2", "d", kPatches, {});
    auto refused = [&](json answer, const std::string& expected_reason) {
        std::string why;
        CHECK_FALSE(apply_sync_trigger_answer(kPatches, answer, why).has_value());
        CHECK_THAT(why, Catch::Contains(expected_reason));
    };
    json added = base;
    added["datasetRecords"]["smuggled"] = json{{"op", "replace"}, {"newValue", "x"}};
    refused(added, "adds key 'smuggled'");
    json no_op = base;
    no_op["datasetRecords"]["name"].erase("op");
    refused(no_op, "op replace or remove");
    json no_value = base;
    no_value["datasetRecords"]["name"]["newValue"] = 42;
    refused(no_value, "without a string newValue");
    json huge = base;
    huge["datasetRecords"]["name"]["newValue"] = std::string(1'048'576, 'x');
    refused(huge, "name");
    refused(json::array(), "no datasetRecords");
    refused(json{{"datasetRecords", "nope"}}, "no datasetRecords");
}

TEST_CASE("SyncTrigger: webhook URLs are http with a host and numeric port", "[server][trigger]") {
    auto url = parse_webhook_url("http://127.0.0.1:9000/hooks/sync?x=1");
    REQUIRE(url.ok());
    CHECK(url->endpoint.host == "127.0.0.1");
    CHECK(url->endpoint.port == 9000);
    CHECK(url->target == "/hooks/sync?x=1");
    auto bare = parse_webhook_url("http://hooks.internal");
    REQUIRE(bare.ok());
    CHECK(bare->endpoint.port == 80);
    CHECK(bare->target == "/");
    for (const char* bad : {"https://example.com/", "ftp://x/", "http://", "http://:80/", "http://h:port/",
                            "http://user@h/", "http://h/a b", "arn:aws:lambda:us-east-1:1:function:f"}) {
        INFO(bad);
        CHECK(parse_webhook_url(bad).status().code() == Errc::invalid_argument);
    }
}

TEST_CASE("SyncTrigger: in-process hooks answer, or fail as InvalidLambdaFunctionOutput or LambdaThrottled",
          "[server][trigger]") {
    SyncTriggers triggers;
    triggers.register_hook("upper", [](const json& event) {
        json answer = event;
        for (auto& [key, record] : answer["datasetRecords"].items()) {
            if (record["newValue"].is_string()) {
                std::string v = record["newValue"];
                for (auto& c : v)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                record["newValue"] = v;
            }
        }
        return answer;
    });
    triggers.register_hook("broken", [](const json&) -> json { throw std::runtime_error("hook bug"); });
    triggers.register_hook("busy", [](const json&) -> json { throw SyncTriggerThrottled("try later"); });
    CHECK(triggers.validate("synclatch:upper").ok());
    CHECK(triggers.validate("synclatch:missing").code() == Errc::invalid_argument);
    CHECK(triggers.validate("http://127.0.0.1:1/x").ok());

    const json event = make_sync_trigger_event("p:1", "i:2", "d", kPatches, {});
    auto upper = run(triggers, "synclatch:upper", event);
    REQUIRE(std::holds_alternative<json>(upper));
    CHECK(std::get<json>(upper)["datasetRecords"]["name"]["newValue"] == "ADA");
    auto broken = run(triggers, "synclatch:broken", event);
    REQUIRE(std::holds_alternative<TriggerError>(broken));
    CHECK(std::get<TriggerError>(broken).type == "InvalidLambdaFunctionOutputException");
    CHECK_THAT(std::get<TriggerError>(broken).message, Catch::Contains("hook bug"));
    auto busy = run(triggers, "synclatch:busy", event);
    REQUIRE(std::holds_alternative<TriggerError>(busy));
    CHECK(std::get<TriggerError>(busy).type == "LambdaThrottledException");
}

TEST_CASE("SyncTrigger: an unreachable webhook fails as InvalidLambdaFunctionOutput", "[server][trigger]") {
    SyncTriggers triggers(std::chrono::milliseconds(500));
    auto refused = run(triggers, "http://127.0.0.1:1/hook", json::object());  // port 1: nothing listens
    REQUIRE(std::holds_alternative<TriggerError>(refused));
    CHECK(std::get<TriggerError>(refused).type == "InvalidLambdaFunctionOutputException");
}
