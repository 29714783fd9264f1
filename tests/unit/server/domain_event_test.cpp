// Domain events: the cookbook's shape made from a dataset change, and untrusted events read back safely.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "events/domain_event.hpp"

using namespace synclatch;
using namespace synclatch::server;
using nlohmann::json;

namespace {

const json kChange = {
    {"identityPoolId", "eu-west-1:pool"}, {"identityId", "eu-west-1:abc"}, {"datasetName", "profile"}};

json record(std::string op, bool existed, std::string latch = "open") {
    json r = {{"key", "card"},
              {"syncCount", 3},
              {"lastModifiedDate", 1000},
              {"deviceLastModifiedDate", 900},
              {"op", op},
              {"origin", "dep-a"},
              {"version", 12},
              {"originSeq", 12},
              {"existed", existed},
              {"latch", latch}};
    if (op == "replace") r["value"] = R"({"name":"Ada","id":"spoofed"})";
    return r;
}

}  // namespace

TEST_CASE("Domain event: the type follows the op and whether the key existed", "[server][event]") {
    CHECK(thing_event(kChange, record("replace", false))->at("type") == "thing-created");
    CHECK(thing_event(kChange, record("replace", true))->at("type") == "thing-updated");
    CHECK(thing_event(kChange, record("remove", true))->at("type") == "thing-deleted");
}

TEST_CASE("Domain event: the cookbook's fields, a deterministic id, and the latch fields",
          "[server][event]") {
    const json e = *thing_event(kChange, record("replace", false));
    CHECK(e.at("id") == "dep-a:12");
    CHECK(e.at("timestamp") == 1000);
    CHECK(e.at("partitionKey") == "eu-west-1:abc");
    CHECK(e.at("tags") == json{{"region", "eu-west-1"},
                               {"identityPoolId", "eu-west-1:pool"},
                               {"datasetName", "profile"},
                               {"source", "dep-a"}});
    // The value's fields, with the key as id and the identity (neither can be overridden by the value).
    CHECK(e.at("thing") == json{{"name", "Ada"}, {"id", "card"}, {"identityId", "eu-west-1:abc"}});
    CHECK(e.at("raw").at("value") == R"({"name":"Ada","id":"spoofed"})");
    CHECK_FALSE(e.at("raw").contains("latch"));
    CHECK(e.at("origin") == "dep-a");
    CHECK(e.at("version") == 12);
    CHECK(e.at("hops") == 0);
    CHECK(*thing_event(kChange, record("replace", false)) == e);  // the same write, the same event
}

TEST_CASE("Domain event: received writes and bulk publishes are not published", "[server][event]") {
    CHECK_FALSE(thing_event(kChange, record("replace", false, "closed")));
    json bulk = record("replace", false);
    bulk.erase("latch");
    CHECK_FALSE(thing_event(kChange, bulk));
}

TEST_CASE("Domain event: a value that is not a JSON object is the thing's value", "[server][event]") {
    json r = record("replace", false);
    r["value"] = "[1,2]";
    CHECK(thing_event(kChange, r)->at("thing").at("value") == "[1,2]");
}

TEST_CASE("Domain event: a received event is read back, and every missing field is an error",
          "[server][event]") {
    json e = *thing_event(kChange, record("replace", true));
    auto read = read_thing_event(e);
    REQUIRE(read.ok());
    CHECK(read->id == "dep-a:12");
    CHECK(read->type == "thing-updated");
    CHECK(read->source == "dep-a");
    CHECK(read->identity_id == "eu-west-1:abc");
    CHECK(read->thing_id == "card");
    CHECK(read->dataset == "profile");
    CHECK(read->raw_value == R"({"name":"Ada","id":"spoofed"})");
    CHECK(read->version == 12);
    CHECK_FALSE(read->removed);

    for (const char* path : {"/id", "/type", "/tags", "/tags/source", "/thing", "/thing/identityId",
                             "/thing/id", "/timestamp"}) {
        const json::json_pointer pointer(path);
        json broken = e;
        broken[pointer.parent_pointer()].erase(pointer.back());
        INFO(path);
        CHECK(read_thing_event(broken).status().code() == Errc::invalid_argument);
    }
    json wrong_types = e;
    wrong_types["timestamp"] = "yesterday";
    CHECK_FALSE(read_thing_event(wrong_types).ok());
    wrong_types = e;
    wrong_types["hops"] = -1;
    CHECK_FALSE(read_thing_event(wrong_types).ok());
    // Without a version, the timestamp orders it.
    json external = e;
    external.erase("version");
    CHECK(read_thing_event(external)->version == 1000);
}
