// The dataset-changes event text: valid JSON with the Cognito Streams fields, whatever the keys and values
// hold (it is written by hand, so escaping is checked against a real JSON parser).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "events/change_event.hpp"

using namespace synclatch;
using nlohmann::json;

TEST_CASE("Change event: the Cognito Streams fields, a replace and a remove", "[server][event]") {
    const std::vector<sync::WireRecord> written = {
        {"name", std::string("Ada"), 7, 1000, "us-east-1:abc", 900},
        {"gone", std::nullopt, 7, 1000, "us-east-1:abc", 950},
    };
    const json event = json::parse(
        server::dataset_change_event("us-east-1:pool", "us-east-1:abc", "profile", 7, 1000, written));
    CHECK(event.at("identityPoolId") == "us-east-1:pool");
    CHECK(event.at("identityId") == "us-east-1:abc");
    CHECK(event.at("datasetName") == "profile");
    CHECK(event.at("operation") == "replace");
    CHECK(event.at("payloadType") == "Inline");
    CHECK(event.at("syncCount") == 7);
    CHECK(event.at("lastModifiedDate") == 1000);
    const json& records = event.at("kinesisSyncRecords");
    REQUIRE(records.size() == 2);
    CHECK(records[0] == json{{"key", "name"},
                             {"value", "Ada"},
                             {"syncCount", 7},
                             {"lastModifiedDate", 1000},
                             {"deviceLastModifiedDate", 900},
                             {"op", "replace"}});
    CHECK(records[1] == json{{"key", "gone"},
                             {"syncCount", 7},
                             {"lastModifiedDate", 1000},
                             {"deviceLastModifiedDate", 950},
                             {"op", "remove"}});
}

TEST_CASE("Change event: quotes, backslashes, control characters and UTF-8 survive a round trip",
          "[server][event]") {
    std::string nasty = "a\"b\\c\nd\re\tf";
    nasty += '\x01';
    nasty += '\x1f';
    nasty += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 </script> \\u0000";
    const std::vector<sync::WireRecord> written = {{nasty, nasty, 1, 2, "w", 3}};
    const json event = json::parse(server::dataset_change_event("p:1", "i:2", "d", 1, 2, written));
    CHECK(event.at("kinesisSyncRecords").at(0).at("key") == nasty);
    CHECK(event.at("kinesisSyncRecords").at(0).at("value") == nasty);
}

TEST_CASE("Change event: no records still makes a valid event", "[server][event]") {
    const json event = json::parse(server::dataset_change_event("p:1", "i:2", "d", 3, 4, {}));
    CHECK(event.at("kinesisSyncRecords").empty());
}
