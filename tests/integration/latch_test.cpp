// The latch with real server processes (DESIGN.md "The latch"): the trigger and the listener alone and
// combined, redelivery, stale events, and crashes between a write and its publication. Every test bounds
// the number of events, so a loop would fail it rather than hang it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "support/deployment.hpp"
#include "support/numbered.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kTriggerAndListener = {"--processor", "trigger", "--processor", "listener"};

// A thing-* event as another service publishes it.
json thing_event(const std::string& identity, const std::string& thing_id, const std::string& name,
                 long version, const std::string& type = "thing-created",
                 const std::string& source = "things-svc") {
    return {{"id", source + ":" + thing_id + ":" + std::to_string(version)},
            {"type", type},
            {"timestamp", 1'700'000'000'000L + version},
            {"partitionKey", identity},
            {"tags", {{"region", "us-east-1"}, {"identityPoolId", kTestPool}, {"source", source}}},
            {"thing", {{"id", thing_id}, {"name", name}, {"identityId", identity}}},
            {"version", version}};
}

// Waits until every processor has read its stream to the end.
void settle(Deployment& d, const std::vector<std::pair<std::string, std::string>>& consumers) {
    for (const auto& consumer : consumers) {
        const std::string& stream = consumer.first;
        const std::string& group = consumer.second;
        INFO(d.id() << " " << group << " on " << stream);
        REQUIRE(eventually([&] { return d.checkpoint(stream, group) == d.last_seq(stream); }));
    }
}

// Starts the processor on a backlog and kills it (kill -9) at growing delays until a kill lands after it
// made progress; returns the progress then, read with the processor off.
std::size_t kill_while_working(Deployment& d, const std::string& processor,
                               const std::function<std::size_t()>& progress) {
    for (int delay_ms = 2; delay_ms < 5000; delay_ms *= 2) {
        d.kill_hard();
        d.start({"--processor", processor});
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        d.kill_hard();
        d.start({});
        if (const auto done = progress(); done > 0) return done;
    }
    return 0;
}

}  // namespace

TEST_CASE("Latch: trigger and listener together, each client write makes exactly one event",
          "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", kTriggerAndListener);
    auto [identity, creds] = a.new_identity();
    a.write(identity, creds, "profile", "card", R"({"name":"Ada","description":"first"})");
    a.write(identity, creds, "profile", "card", R"({"name":"Ada","description":"second"})");
    a.write(identity, creds, "profile", "pet", "cat");
    a.write(identity, creds, "profile", "pet", std::nullopt);

    REQUIRE(eventually([&] { return a.processor_count("listener", "skipped_by_latch") == 4; }));
    settle(a, {{"dataset-changes", "trigger"}, {"events", "listener"}});
    std::this_thread::sleep_for(300ms);  // extra rounds: nothing may follow
    const auto events = a.stream("events");
    REQUIRE(events.size() == 4);
    CHECK(a.stream("dataset-changes").size() == 4);
    CHECK(a.records(identity, "things").empty());
    CHECK(a.processor_count("trigger", "published") == 4);
    CHECK(a.processor_count("listener", "applied") == 0);

    CHECK(events[0].at("type") == "thing-created");
    CHECK(events[1].at("type") == "thing-updated");
    CHECK(events[2].at("type") == "thing-created");
    CHECK(events[3].at("type") == "thing-deleted");
    const json& first = events[0];
    CHECK(first.at("thing").at("name") == "Ada");
    CHECK(first.at("thing").at("description") == "first");
    CHECK(first.at("thing").at("id") == "card");
    CHECK(first.at("thing").at("identityId") == identity);
    CHECK(first.at("partitionKey") == identity);
    CHECK(first.at("tags").at("source") == "dep-a");
    CHECK(first.at("tags").at("datasetName") == "profile");
    CHECK(first.at("tags").at("region") == "us-east-1");
    CHECK(first.at("tags").at("identityPoolId") == kTestPool);
    CHECK(first.at("raw").at("value") == R"({"name":"Ada","description":"first"})");
    CHECK(events[2].at("thing").at("value") == "cat");
    std::set<std::string> ids;
    for (const auto& e : events) {
        CHECK(e.at("id").get<std::string>().starts_with("dep-a:"));
        ids.insert(e.at("id"));
    }
    CHECK(ids.size() == 4);
}

TEST_CASE("Latch: the listener writes another service's thing into the identity's things dataset",
          "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", kTriggerAndListener);
    // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = a.new_identity();
    a.post_event(thing_event(identity, "t1", "Widget", 1));

    REQUIRE(eventually([&] { return a.records(identity, "things").size() == 1; }));
    const auto thing = json::parse(a.records(identity, "things").at("t1"));
    CHECK(thing == json{{"id", "t1"}, {"name", "Widget"}});
    // The view is a received write: the trigger does not publish it again.
    settle(a, {{"dataset-changes", "trigger"}, {"events", "listener"}});
    std::this_thread::sleep_for(300ms);
    CHECK(a.stream("events").size() == 1);
    CHECK(a.processor_count("trigger", "skipped_by_latch") == 1);
    CHECK(a.processor_count("trigger", "published") == 0);
    CHECK(a.processor_count("listener", "applied") == 1);

    // A deletion removes it; the device's own sync sees the same.
    a.post_event(thing_event(identity, "t1", "Widget", 2, "thing-deleted"));
    REQUIRE(eventually([&] { return a.records(identity, "things").empty(); }));
    const auto listed =
        a.client().send("GET", dataset_path(identity, "things") + "/records", "", creds).json();
    REQUIRE(listed.at("Records").size() == 1);
    CHECK(listed.at("Records")[0].value("Value", json()).is_null());
}

TEST_CASE(
    "Latch: T6 every event delivered three times shuffled, then the whole log replayed, changes nothing",
    "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", kTriggerAndListener);
    auto [identity, creds] = a.new_identity();
    std::vector<json> events;
    for (int key = 0; key < 10; ++key) {
        for (long version = 1; version <= 2; ++version)
            events.push_back(thing_event(identity, numbered("t", key), numbered("v", version), version));
    }
    std::vector<json> delivered;
    for (int copy = 0; copy < 3; ++copy)
        delivered.insert(delivered.end(), events.begin(), events.end());
    const unsigned seed = std::random_device{}();
    INFO("seed " << seed);
    std::shuffle(delivered.begin(), delivered.end(), std::mt19937(seed));
    for (const auto& e : delivered)
        a.post_event(e);
    settle(a, {{"events", "listener"}, {"dataset-changes", "trigger"}});

    std::map<std::string, std::string> expected;
    for (int key = 0; key < 10; ++key)
        expected[numbered("t", key)] = json{{"id", numbered("t", key)}, {"name", "v2"}}.dump();
    CHECK(a.records(identity, "things") == expected);
    const long applied = a.processor_count("listener", "applied");
    CHECK(applied >= 10);
    CHECK(applied <= 20);
    CHECK(applied + a.processor_count("listener", "stale") == 20);
    CHECK(a.processor_count("listener", "duplicate") == 40);
    const auto changes = a.stream("dataset-changes").size();
    CHECK(changes == static_cast<std::size_t>(applied));

    // The whole log again: every event a duplicate, no write, no event beyond the replayed ones.
    for (const auto& e : a.stream("events"))
        a.post_event(e);
    settle(a, {{"events", "listener"}, {"dataset-changes", "trigger"}});
    CHECK(a.processor_count("listener", "duplicate") == 40 + 60);
    CHECK(a.processor_count("listener", "applied") == applied);
    CHECK(a.stream("dataset-changes").size() == changes);
    CHECK(a.stream("events").size() == 120);
    CHECK(a.processor_count("trigger", "published") == 0);
    CHECK(a.records(identity, "things") == expected);
}

TEST_CASE("Latch: T7 a stale event is ignored", "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {"--processor", "listener"});
    auto [identity, creds] = a.new_identity();
    a.post_event(thing_event(identity, "t1", "newer", 5));
    a.post_event(thing_event(identity, "t1", "older", 3));
    settle(a, {{"events", "listener"}});
    CHECK(json::parse(a.records(identity, "things").at("t1")).at("name") == "newer");
    CHECK(a.processor_count("listener", "applied") == 1);
    CHECK(a.processor_count("listener", "stale") == 1);
    CHECK(a.stream("dataset-changes").size() == 1);
}

TEST_CASE("Latch: a malformed event is counted and skipped, and the listener goes on",
          "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {"--processor", "listener"});
    auto [identity, creds] = a.new_identity();
    auto no_thing = thing_event(identity, "t1", "x", 1);
    no_thing.erase("thing");
    auto bad_identity = thing_event("not an identity", "t2", "x", 1);
    a.post_event(no_thing);
    a.post_event(bad_identity);
    a.post_event({{"id", "other"}, {"type", "order-placed"}});
    a.post_event(thing_event(identity, "t3", "fine", 1));
    settle(a, {{"events", "listener"}});
    CHECK(a.records(identity, "things").size() == 1);
    CHECK(a.processor_count("listener", "rejected") == 2);
    CHECK(a.processor_count("listener", "ignored") == 1);
    CHECK(a.processor_count("listener", "applied") == 1);
}

TEST_CASE("Latch: T8 kill -9 between commit and publish, published exactly once", "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {});
    auto [identity, creds] = a.new_identity();
    constexpr int kWrites = 300;
    for (int i = 0; i < kWrites; ++i)
        a.write(identity, creds, "profile", numbered("k", i), numbered("v", i));
    const std::size_t published_before_kill =
        kill_while_working(a, "trigger", [&] { return a.stream("events").size(); });
    INFO("events published before the kill: " << published_before_kill);
    CHECK(published_before_kill > 0);
    a.restart({"--processor", "trigger"});
    settle(a, {{"dataset-changes", "trigger"}});
    const auto events = a.stream("events");
    REQUIRE(events.size() == kWrites);
    std::set<std::string> keys;
    for (const auto& e : events)
        keys.insert(e.at("thing").at("id"));
    CHECK(keys.size() == kWrites);
}

TEST_CASE("Latch: T8 kill -9 while the listener applies, each event applied exactly once",
          "[integration][latch]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {});
    auto [identity, creds] = a.new_identity();
    constexpr int kEvents = 300;
    for (int i = 0; i < kEvents; ++i)
        a.post_event(thing_event(identity, numbered("t", i), numbered("n", i), 1));
    const std::size_t applied_before_kill =
        kill_while_working(a, "listener", [&] { return a.stream("dataset-changes").size(); });
    INFO("applied before the kill: " << applied_before_kill);
    CHECK(applied_before_kill > 0);
    a.restart({"--processor", "listener"});
    settle(a, {{"events", "listener"}});
    CHECK(a.records(identity, "things").size() == kEvents);
    CHECK(a.stream("dataset-changes").size() == kEvents);  // one write per event, none twice
}

TEST_CASE("Latch: a processor stopped while writes go past the retention count resumes without missing one",
          "[integration][latch]") {
    TempDir dir;
    const std::vector<std::string> keep_five = {"--stream-retention-records", "5"};
    auto with_trigger = [&] {
        auto flags = keep_five;
        flags.insert(flags.end(), {"--processor", "trigger"});
        return flags;
    };
    Deployment a(dir.file("a"), "dep-a", with_trigger());
    // A consumer of events that reads nothing until the end, so that events keeps all it is given.
    REQUIRE(a.client()
                .send("PUT", "/streams/events/consumers/reader", R"({"SequenceNumber": 0})", kDeploymentAdmin)
                .status == 200);
    auto [identity, creds] = a.new_identity();
    a.write(identity, creds, "profile", "k-first", "v");
    settle(a, {{"dataset-changes", "trigger"}});  // now a registered consumer of dataset-changes
    a.restart(keep_five);                         // the trigger is stopped
    constexpr int kWrites = 40;
    for (int i = 0; i < kWrites; ++i)
        a.write(identity, creds, "profile", numbered("k", i), numbered("v", i));
    a.restart(keep_five);  // a retention pass at start, the trigger still stopped
    const std::string held = "synclatch_stream_records_held{stream=\"dataset-changes\"}";
    // The first record, read, is dropped; the 40 after it are kept though the count is 5.
    REQUIRE(eventually([&] { return a.metric(held) == kWrites - 5; }));
    CHECK(a.stream("dataset-changes").size() == kWrites);

    a.restart(with_trigger());
    settle(a, {{"dataset-changes", "trigger"}});
    const auto events = a.stream("events");
    CHECK(events.size() == kWrites + 1);
    std::set<std::string> things;
    for (const auto& e : events)
        things.insert(e.at("thing").at("id"));
    CHECK(things.size() == kWrites + 1);
    a.restart(keep_five);  // everything read: retention goes down to the count
    REQUIRE(eventually([&] { return a.stream("dataset-changes").size() == 5; }));
    CHECK(a.metric(held) == 0);
}

TEST_CASE("Latch: a hard retention cap drops what a stopped processor has not read, and says so",
          "[integration][latch]") {
    TempDir dir;
    const std::vector<std::string> capped = {"--stream-retention-records", "5",
                                             "--stream-retention-hard-records", "10"};
    auto with_trigger = [&] {
        auto flags = capped;
        flags.insert(flags.end(), {"--processor", "trigger"});
        return flags;
    };
    Deployment a(dir.file("a"), "dep-a", with_trigger());
    auto [identity, creds] = a.new_identity();
    a.write(identity, creds, "profile", "k-first", "v");
    settle(a, {{"dataset-changes", "trigger"}});
    const long position = a.checkpoint("dataset-changes", "trigger");
    a.restart(capped);
    for (int i = 0; i < 30; ++i)
        a.write(identity, creds, "profile", numbered("k", i), numbered("v", i));
    a.restart(capped);
    // 31 records, the newest 10 kept: the 20 after the trigger's position are lost to it, and counted.
    const std::string lost =
        "synclatch_stream_records_dropped_unread_total{stream=\"dataset-changes\",group=\"trigger\"}";
    REQUIRE(eventually([&] { return a.metric(lost) == 20; }));
    CHECK(a.stream("dataset-changes").size() == 10);
    // A reader at the trigger's position is told, with where to read on.
    auto past_the_hole = a.client().send(
        "GET", "/streams/dataset-changes/records?after=" + std::to_string(position), "", kDeploymentAdmin);
    CHECK(past_the_hole.status == 400);
    CHECK(past_the_hole.error_type == "TrimmedDataAccessException");
    // A consumer gone for good is removed, and no longer holds the stream back.
    CHECK(a.client()
              .send("DELETE", "/streams/dataset-changes/consumers/trigger", "", kDeploymentAdmin)
              .status == 200);
    CHECK(a.client()
              .send("DELETE", "/streams/dataset-changes/consumers/trigger", "", kDeploymentAdmin)
              .error_type == "ResourceNotFoundException");
    a.restart(capped);
    std::size_t kept = 0;
    const bool trimmed = eventually([&] { return (kept = a.stream("dataset-changes").size()) == 5; });
    INFO("records kept: " << kept << "; held by a consumer: "
                          << a.metric("synclatch_stream_records_held{stream=\"dataset-changes\"}"));
    REQUIRE(trimmed);
}
