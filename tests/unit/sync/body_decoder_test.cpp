// The text decoders of the bodies received most (body_decoder.cpp) against the tree decoders they replace on
// the hot path: the same values, and the same first problem, for what the encoders write and for what a
// hostile or sloppy peer might send (members twice, nulls, nested values, lists of the wrong things).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "synclatch/sync/protocol_json.hpp"

using namespace synclatch::sync;
using json = nlohmann::json;
using synclatch::Errc;
using synclatch::Result;

namespace {

// UpdateRecords' answer read through a tree, as the client read it before.
Result<std::vector<WireRecord>> answer_from_tree(const json& answer) {
    if (!answer.is_object())
        return synclatch::Status{Errc::invalid_argument, "the answer is not a JSON object"};
    const auto found = answer.find("Records");
    if (found == answer.end() || !found->is_array())
        return synclatch::Status{Errc::invalid_argument, "the answer has no Records"};
    std::vector<WireRecord> written;
    for (const auto& item : *found) {
        auto record = parse_wire_record(item);
        if (!record.ok()) return record.status();
        written.push_back(std::move(record).value());
    }
    return written;
}

template <class T>
void check_same(const std::string& body, const Result<T>& from_tree, const Result<T>& from_text) {
    INFO(body);
    REQUIRE(from_tree.ok() == from_text.ok());
    if (from_tree.ok()) {
        CHECK(*from_tree == *from_text);
    } else {
        CHECK(from_text.status().code() == Errc::invalid_argument);
        CHECK(from_text.status().message() == from_tree.status().message());
    }
}

// Every text decoder against its tree decoder, on a body that is valid JSON.
void check_all_agree(const std::string& body) {
    auto tree = parse_json_body(body);
    REQUIRE(tree.ok());
    check_same(body, parse_update_records_request(*tree), decode_update_records_request(body));
    check_same(body, parse_list_records_result(*tree), decode_list_records_result(body));
    check_same(body, answer_from_tree(*tree), decode_update_records_answer(body));
}

}  // namespace

TEST_CASE("Body decoder: what the encoders write decodes to what they were given", "[sync][json]") {
    const std::vector<RecordPatch> patches{
        {PatchOp::replace, "k1", std::string("v\"1\n\u00e9"), 3, 1412974081336},
        {PatchOp::remove, "k2", std::nullopt, 4, std::nullopt},
        {PatchOp::replace, "k3", std::string(""), 0, 1412974081000}};
    auto request = decode_update_records_request(update_records_request_body("device-a", patches, "token"));
    REQUIRE(request.ok());
    CHECK(request->device_id == "device-a");
    CHECK(request->sync_session_token == "token");
    CHECK(request->record_patches == patches);

    ListRecordsResult page;
    page.records = {{"k", std::string("v"), 4, 1412974081336, "device-a", 1412974080001},
                    {"gone", std::nullopt, 5, 1412974082000, "", 1412974082000}};
    page.next_token = "next";
    page.dataset_sync_count = 5;
    page.last_modified_by = "device-b";
    page.merged_dataset_names = {"things.us-east-1:x", "things.us-east-1:y"};
    page.dataset_exists = true;
    page.sync_session_token = "token";
    auto decoded = decode_list_records_result(list_records_body(page));
    REQUIRE(decoded.ok());
    CHECK(*decoded == page);

    auto written = decode_update_records_answer(update_records_body(page.records));
    REQUIRE(written.ok());
    CHECK(*written == page.records);
}

TEST_CASE("Body decoder: agrees with the tree decoders on members twice, nulls and nested values",
          "[sync][json]") {
    const char* bodies[] = {
        // A member written twice keeps its last value; a list written again starts over.
        R"({"SyncSessionToken": "a", "SyncSessionToken": "b", "RecordPatches": []})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "a", "SyncCount": 0}],
            "RecordPatches": [{"Op": "remove", "Key": "b", "SyncCount": 1}]})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "bad"}], "RecordPatches": []})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "a", "SyncCount": 0}],
            "RecordPatches": null})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "a", "Key": "b", "SyncCount": 0}]})",
        R"({"Records": [{"Key": "k"}], "Records": 5})",
        R"({"MergedDatasetNames": [1], "MergedDatasetNames": ["x"], "Records": []})",
        // Nulls count as absent; a nested value where a scalar belongs is the member's type error.
        R"({"SyncSessionToken": "t", "DeviceId": null, "RecordPatches": [{"Op": "remove", "Key": "k",
            "SyncCount": "12", "Value": null}]})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": {"a": [1]}, "SyncCount": 0}]})",
        R"({"SyncSessionToken": ["t"], "RecordPatches": []})",
        R"({"Records": [{"Key": "k", "Value": [], "SyncCount": 1}]})",
        // Members no decoder reads, however nested, are skipped.
        R"({"Extra": {"RecordPatches": [1, 2], "Records": [{"Key": 5}]}, "SyncSessionToken": "t",
            "RecordPatches": [{"Op": "replace", "Key": "k", "SyncCount": 1, "More": [{"Key": 1}]}]})",
        // Lists of the wrong things, and the first problem among several.
        R"({"SyncSessionToken": "t", "RecordPatches": [5, {"Op": "x"}]})",
        R"({"SyncSessionToken": "t", "RecordPatches": [[], {"Op": "x"}]})",
        R"({"SyncSessionToken": "t", "RecordPatches": [{"Op": "replace", "Key": "k", "SyncCount": -1}, 5]})",
        R"({"DeviceId": 7, "RecordPatches": [5]})",
        R"({"Records": [{"Key": "k", "SyncCount": 1}], "NextToken": 5, "MergedDatasetNames": [null]})",
        R"({"Records": [], "MergedDatasetNames": ["a", {"b": 1}], "DatasetExists": "yes"})",
        R"({"Records": [], "MergedDatasetNames": ["a", ["b"]]})",
        R"({"Records": [], "MergedDatasetNames": {}, "SyncSessionToken": 1})",
        R"({"Records": {"Key": "k"}})",
        R"({"Records": null})",
        R"({})",
        // Numbers as the tree reads them: signed, unsigned beyond int64, fractional, as strings.
        R"({"Records": [{"Key": "k", "SyncCount": 18446744073709551615}]})",
        R"({"Records": [{"Key": "k", "SyncCount": 3.0, "LastModifiedDate": "1412974081.336"}]})",
        R"({"Records": [{"Key": "k", "SyncCount": 3.5}]})",
        // Not an object at the top.
        R"([{"Records": []}])",
        R"("Records")",
        R"(null)",
    };
    for (const char* body : bodies)
        check_all_agree(body);
}

TEST_CASE("Body decoder: text that is not JSON, or too deep, is invalid_argument and never throws",
          "[sync][json]") {
    std::string deep(40, '[');
    deep += std::string(40, ']');
    const std::string with_nul("{\"Records\": []}\0junk", 20);
    for (const std::string& body : {std::string(""), std::string("{"), std::string(R"({"Records": [})"),
                                    std::string(R"({"a": 1} trailing)"), deep, with_nul}) {
        INFO(body);
        CHECK(decode_update_records_request(body).status().code() == Errc::invalid_argument);
        CHECK(decode_list_records_result(body).status().code() == Errc::invalid_argument);
        CHECK(decode_update_records_answer(body).status().code() == Errc::invalid_argument);
    }
    CHECK(decode_update_records_request("{").status().message() == "the body is not valid JSON");
    CHECK(decode_list_records_result("{").status().message() == "the answer is not valid JSON");
    CHECK_THAT(decode_update_records_answer(deep).status().message(), Catch::Contains("nests deeper"));
}

TEST_CASE("Body decoder: takes exactly the text nlohmann takes, and reads the same strings and numbers",
          "[sync][json]") {
    auto wrap = [](const std::string& value) { return R"({"Records": [{"Key": )" + value + "}]}"; };
    const std::vector<std::string> values = {
        // Strings: escapes, surrogate pairs, UTF-8 at the edges of RFC 3629's ranges, and what is not UTF-8.
        R"("a\"\\\/\b\f\n\r\t")",
        R"("\u00e9\u20AC\ud83d\ude00")",
        R"("\u0000")",
        "\"\x7f\"",
        R"("\ud83d")",
        R"("\ude00")",
        R"("\ud83d\u0041")",
        R"("\u12")",
        R"("\x")",
        "\"\t\"",
        "\"\xc2\x80\xdf\xbf\"",
        "\"\xe0\xa0\x80\xef\xbf\xbf\"",
        "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
        "\"\xc0\xaf\"",
        "\"\xc1\xbf\"",
        "\"\xe0\x9f\xbf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf0\x8f\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xf5\x80\x80\x80\"",
        "\"\xff\"",
        "\"\x80\"",
        "\"\xe2\x82\"",
        "\"abc",
        // Numbers: signed and unsigned at 64 bits and beyond, fractions, exponents, overflow, underflow.
        "0",
        "-0",
        "7",
        "-7",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "-0.0",
        "1e3",
        "1E+3",
        "2.5e-3",
        "1e308",
        "1e309",
        "-1e400",
        "1e-400",
        "4.9e-324",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "0x10",
        "1.5.2",
        "Infinity",
        "NaN",
        // Literals, and what only looks like one.
        "true",
        "false",
        "null",
        "tru",
        "nul",
        "truex",
        "True",
    };
    for (const auto& value : values) {
        const std::string body = wrap(value);
        auto tree = parse_json_body(body);
        INFO(body);
        auto from_text = decode_update_records_answer(body);
        if (!tree.ok()) {
            CHECK(from_text.status().message() == "the answer is not valid JSON");
            continue;
        }
        CHECK(from_text.status().message() == answer_from_tree(*tree).status().message());
        const json& key = (*tree)["Records"][0]["Key"];
        if (key.is_string()) {
            REQUIRE(from_text.ok());
            CHECK(from_text->at(0).key == key.get<std::string>());
        }
    }
    // Numbers reach the checks with their type: the sync count as nlohmann reads it, whatever it is.
    for (const auto& number : values) {
        const std::string body = R"({"Records": [{"Key": "k", "SyncCount": )" + number + "}]}";
        auto tree = parse_json_body(body);
        INFO(body);
        if (!tree.ok()) {
            CHECK_FALSE(decode_update_records_answer(body).ok());
            continue;
        }
        check_same(body, answer_from_tree(*tree), decode_update_records_answer(body));
    }
    // White space anywhere between tokens, a byte order mark before the value, nothing after it.
    for (const std::string& body :
         {std::string(" \t\r\n{ \"Records\" :\n[ ] } \n"), std::string("\xef\xbb\xbf{\"Records\": []}"),
          std::string("\xef\xbb{\"Records\": []}"), std::string("{\"Records\": []} x"),
          std::string("{\"Records\": [],}"), std::string("{\"Records\": [1,]}"), std::string("{,}"),
          std::string("{\"Records\" []}"), std::string("{\"Records\": [] \"a\": 1}"), std::string("[")}) {
        auto tree = parse_json_body(body);
        INFO(body);
        auto from_text = decode_update_records_answer(body);
        if (tree.ok()) {
            check_same(body, answer_from_tree(*tree), from_text);
        } else {
            CHECK(from_text.status().message() == "the answer is not valid JSON");
        }
    }
}
