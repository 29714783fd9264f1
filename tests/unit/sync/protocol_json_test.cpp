// The Cognito Sync JSON codec: exact member names, timestamps, absent vs empty, and refusal of bad input.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "synclatch/sync/protocol_json.hpp"

using namespace synclatch::sync;
using json = nlohmann::json;
using synclatch::Errc;

TEST_CASE("Protocol JSON: timestamps are epoch seconds with millisecond precision", "[sync][json]") {
    CHECK(epoch_seconds_json(1412974081336).dump() == "1412974081.336");
    CHECK(epoch_seconds_json(1412974081000).dump() == "1412974081");
    CHECK(epoch_seconds_json(1).dump() == "0.001");
    CHECK(*parse_epoch_seconds(json::parse("1412974081.336"), "T") == 1412974081336);
    CHECK(*parse_epoch_seconds(json("1412974081.336"), "T") == 1412974081336);  // numeric string
    CHECK(*parse_epoch_seconds(json(1412974081), "T") == 1412974081000);
    CHECK(parse_epoch_seconds(json("yesterday"), "T").status().code() == Errc::invalid_argument);
    CHECK(parse_epoch_seconds(json(1e300), "T").status().code() == Errc::invalid_argument);
    CHECK(parse_epoch_seconds(json(true), "T").status().code() == Errc::invalid_argument);
}

TEST_CASE("Protocol JSON: records round-trip, and an absent value differs from an empty one",
          "[sync][json]") {
    WireRecord with_value{"k", std::string(""), 4, 1412974081336, "device-a", 1412974080001};
    WireRecord tombstone{"gone", std::nullopt, 5, 1412974082000, "device-b", 1412974082000};
    json encoded = to_json(with_value);
    CHECK(encoded.at("Value") == "");
    CHECK(encoded.at("Key") == "k");
    CHECK(encoded.at("SyncCount") == 4);
    CHECK(encoded.at("LastModifiedBy") == "device-a");
    CHECK_FALSE(to_json(tombstone).contains("Value"));
    CHECK(*parse_wire_record(encoded) == with_value);
    CHECK(*parse_wire_record(json::parse(to_json(tombstone).dump())) == tombstone);
}

TEST_CASE("Protocol JSON: ListRecords results carry every member the SDKs unbox", "[sync][json]") {
    ListRecordsResult empty;
    empty.sync_session_token = "token";
    json j = json::parse(list_records_body(empty));
    for (const char* member : {"Records", "Count", "DatasetSyncCount", "DatasetExists",
                               "DatasetDeletedAfterRequestedSyncCount", "SyncSessionToken"}) {
        CHECK(j.contains(member));
    }
    CHECK(j.at("Records").is_array());
    CHECK(j.at("Count") == 0);
    CHECK_FALSE(j.contains("NextToken"));

    ListRecordsResult full = empty;
    full.records = {WireRecord{"a", std::string("1"), 1, 1000, "d", 1000}};
    full.next_token = "next";
    full.dataset_sync_count = 9;
    full.last_modified_by = "d";
    full.merged_dataset_names = {"things.us-east-1:abc"};
    full.dataset_exists = true;
    CHECK(*parse_list_records_result(json::parse(list_records_body(full))) == full);

    // Written as text, yet the same members and values as the JSON tree encoders give.
    CHECK(json::parse(list_records_body(full)).at("Records").at(0) == to_json(full.records[0]));
    WireRecord awkward{"q\"\\\n\x01\xc3\xa9", std::nullopt, 3, 1412974081336, "", 1412974081300};
    full.records.push_back(awkward);
    full.merged_dataset_names.push_back("with \"quotes\"");
    full.next_token.reset();
    full.last_modified_by.reset();
    CHECK(*parse_list_records_result(json::parse(list_records_body(full))) == full);
    const json body = json::parse(update_records_body(full.records));
    CHECK(body.at("Records").size() == 2);
    CHECK(body.at("Records").at(1) == to_json(awkward));
    CHECK(body.at("Records").at(1).at("LastModifiedDate").get<double>() == 1412974081.336);
    CHECK(json::parse(update_records_body({})) == json{{"Records", json::array()}});
}

TEST_CASE("Protocol JSON: UpdateRecords requests round-trip", "[sync][json]") {
    UpdateRecordsRequest request;
    request.device_id = "device-a";
    request.sync_session_token = "token";
    request.record_patches = {RecordPatch{PatchOp::replace, "k", std::string("v"), 3, 1412974081336},
                              RecordPatch{PatchOp::remove, "gone", std::nullopt, 2, std::nullopt}};
    const std::string text =
        update_records_request_body(request.device_id, request.record_patches, request.sync_session_token);
    json j = json::parse(text);
    CHECK(j.at("RecordPatches").at(0).at("Op") == "replace");
    CHECK(j.at("RecordPatches").at(0).at("DeviceLastModifiedDate").get<double>() == 1412974081.336);
    CHECK(j.at("RecordPatches").at(1).at("Op") == "remove");
    CHECK_FALSE(j.at("RecordPatches").at(1).contains("Value"));
    CHECK(*parse_update_records_request(j) == request);
    // Text that needs escaping, and no patches at all.
    request.record_patches[0].key = "q\"\\\n\x01\xc3\xa9";
    request.record_patches[0].value = "line\nbreak";
    CHECK(*parse_update_records_request(json::parse(update_records_request_body(
              request.device_id, request.record_patches, request.sync_session_token))) == request);
    request.record_patches.clear();
    CHECK(*parse_update_records_request(json::parse(update_records_request_body(
              request.device_id, request.record_patches, request.sync_session_token))) == request);
}

TEST_CASE("Protocol JSON: datasets and usage encode the documented members", "[sync][json]") {
    DatasetDescription d{"us-east-1:abc", "things", 1000, 2000, "device-a", 42, 3};
    json j = to_json(d);
    CHECK(j.at("DataStorage") == 42);
    CHECK(j.at("NumRecords") == 3);
    CHECK(j.at("CreationDate") == 1);
    CHECK(*parse_dataset_description(j) == d);
    IdentityUsage u{"us-east-1:abc", "us-east-1:pool", 3000, 2, 84};
    CHECK(*parse_identity_usage(to_json(u)) == u);
    CHECK(to_json(IdentityPoolUsage{"us-east-1:pool", 5, 10, 4000}).at("SyncSessionsCount") == 5);
}

TEST_CASE("Protocol JSON: wrong types and missing members are invalid_argument naming the member",
          "[sync][json]") {
    auto expect_invalid = [](const char* body, const char* mentions) {
        auto parsed = parse_json_body(body);
        REQUIRE(parsed.ok());
        auto request = parse_update_records_request(*parsed);
        REQUIRE_FALSE(request.ok());
        CHECK(request.status().code() == Errc::invalid_argument);
        CHECK_THAT(request.status().message(), Catch::Contains(mentions));
    };
    expect_invalid(R"({"RecordPatches": []})", "SyncSessionToken");
    expect_invalid(R"({"SyncSessionToken": 5})", "SyncSessionToken");
    expect_invalid(R"({"SyncSessionToken": "t", "RecordPatches": {}})", "RecordPatches");
    expect_invalid(
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "upsert", "Key": "k", "SyncCount": 0}]})",
        "Op");
    expect_invalid(R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "SyncCount": 0}]})",
                   "Key");
    expect_invalid(
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "k", "SyncCount": "x"}]})",
        "SyncCount");
    expect_invalid(
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "k", "SyncCount": -1}]})",
        "SyncCount");
    expect_invalid(
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "k", "SyncCount": 1, "Value": 7}]})",
        "Value");
    expect_invalid(R"([1, 2])", "object");
}

TEST_CASE("Protocol JSON: numeric strings are accepted, nulls count as absent", "[sync][json]") {
    auto parsed = parse_json_body(
        R"({"SyncSessionToken": "t", "DeviceId": null,
            "RecordPatches": [{"Op": "remove", "Key": "k", "SyncCount": "12", "Value": null}]})");
    REQUIRE(parsed.ok());
    auto request = parse_update_records_request(*parsed);
    REQUIRE(request.ok());
    CHECK(request->device_id.empty());
    CHECK(request->record_patches.at(0).sync_count == 12);
    CHECK_FALSE(request->record_patches.at(0).value);
}

TEST_CASE("Protocol JSON: malformed bodies are refused without throwing", "[sync][json]") {
    for (const char* body : {"", "{", "{\"a\":}", "nul", "{\"a\": 1} trailing"}) {
        auto parsed = parse_json_body(body);
        CHECK(parsed.status().code() == Errc::invalid_argument);
    }
}

// Found by sync_request_fuzzer: nlohmann takes a NUL byte for the end of the input, so "9\0" parsed as 9
// and "{}\0anything" as {}, the rest of the body unread.
TEST_CASE("Protocol JSON: a NUL byte anywhere makes a body malformed", "[sync][json]") {
    using namespace std::string_literals;
    for (const std::string& body : {"9\0"s, "{}\0junk"s, "{\"a\":1}\0{\"a\":2}"s, "\0"s}) {
        CHECK(parse_json_body(body).status().code() == Errc::invalid_argument);
        CHECK(parse_json_text(body).is_discarded());
    }
    // Written as JSON writes it, a NUL in a string is fine.
    CHECK(parse_json_body(R"({"a":"x\u0000y"})")->at("a").get<std::string>() == "x\0y"s);
}

TEST_CASE("Protocol JSON: depth and size are bounded before parsing", "[sync][json]") {
    const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    CHECK(check_json_limits(nested(32)).ok());
    CHECK(check_json_limits(nested(33)).code() == Errc::invalid_argument);
    CHECK(parse_json_body(nested(32)).ok());
    CHECK(parse_json_body(nested(100'000)).status().code() == Errc::invalid_argument);
    CHECK(parse_json_text(nested(100'000)).is_discarded());
    CHECK(parse_json_text(nested(40), kJsonPageLimits).is_array());
    // Brackets, commas and escaped quotes inside strings are text, not structure.
    const std::string quoted = R"({"a":")" + std::string(100, '[') + R"(\" ,,, ]]]"})";
    CHECK(check_json_limits(quoted).ok());
    CHECK(parse_json_body(quoted)->at("a").get<std::string>().size() == 109);
    // Values are counted on the text: 100,000 are fine, one more is not.
    std::string many = "[0";
    for (int i = 1; i < 100'000; ++i)
        many += ",0";
    CHECK(check_json_limits(many + "]").ok());
    CHECK(check_json_limits(many + ",0]").code() == Errc::invalid_argument);
    CHECK(check_json_limits(many + ",0]", kJsonPageLimits).ok());
}
