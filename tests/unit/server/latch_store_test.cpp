// The store's side of the latch (DESIGN.md "The latch"): who authored each version, received writes
// applied once and never over a newer version, and processors' output committed with their checkpoint.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using nlohmann::json;
using sync::PatchOp;
using sync::RecordPatch;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr std::string_view kOtherIdentity = "us-east-1:11111111-2222-4333-8444-555555555555";

struct LatchFixture {
    LatchFixture() { REQUIRE(reopen("dep-a").ok()); }

    Status reopen(std::string deployment_id) {
        store.reset();
        auto opened = site.open({}, deployment_id);
        if (!opened.ok()) return opened.status();
        store = std::move(opened).value();
        REQUIRE(store->ensure_pool(kPool, now).ok());
        if (identity.empty()) identity = store->create_identity(kPool, now).value();
        return {};
    }

    void put(const std::string& key, std::optional<std::string> value) {
        const auto stored = store->record_version(identity, "things", key).value();
        RecordPatch patch{value ? PatchOp::replace : PatchOp::remove, key, std::move(value),
                          stored ? stored->sync_count : 0, std::nullopt};
        auto written = store->update_records(identity, "things", "device-a", {patch}, ++now);
        INFO(written.status().to_string());
        REQUIRE(written.ok());
    }

    ReceivedWrite received(std::string event_id, std::string key, std::string value, std::int64_t version,
                           std::string origin = "dep-b") {
        ReceivedWrite w;
        w.event_id = std::move(event_id);
        w.identity_id = identity;
        w.dataset = "things";
        w.key = std::move(key);
        w.value = std::move(value);
        w.origin = std::move(origin);
        w.version = version;
        w.origin_seq = version;
        w.device_last_modified_date = now;
        return w;
    }

    std::vector<AppliedWrite> apply(std::vector<ReceivedWrite> writes) {
        auto outcomes = store->apply_received("listener", std::move(writes),
                                              Checkpoint{"events", "listener", ++seq}, ++now);
        INFO(outcomes.status().to_string());
        REQUIRE(outcomes.ok());
        return std::move(outcomes).value();
    }

    // The records of every dataset-changes event so far, in order.
    std::vector<json> changed_records() {
        std::vector<json> out;
        const auto stream = store->read_stream("dataset-changes", 0, 1000).value();
        for (const auto& r : stream) {
            const json event = json::parse(r.data);
            for (const auto& record : event.at("kinesisSyncRecords"))
                out.push_back(record);
        }
        return out;
    }

    RecordVersion version_of(const std::string& key) {
        auto found = store->record_version(identity, "things", key);
        REQUIRE(found.ok());
        REQUIRE(found->has_value());
        return **found;
    }

    test::TestStorageSite site;
    sync::EpochMillis now = 1'700'000'000'000;
    std::int64_t seq = 0;
    std::unique_ptr<Storage> store;
    std::string identity;
};

}  // namespace

TEST_CASE_METHOD(LatchFixture,
                 "Latch store: a client's write is this deployment's, latch open, version rising",
                 "[server][latch]") {
    put("a", "1");
    put("a", "2");
    put("a", std::nullopt);
    const auto records = changed_records();
    REQUIRE(records.size() == 3);
    for (const auto& r : records) {
        CHECK(r.at("origin") == "dep-a");
        CHECK(r.at("latch") == "open");
        CHECK(r.at("originSeq") == r.at("version"));
    }
    CHECK(records[0].at("existed") == false);
    CHECK(records[1].at("existed") == true);
    CHECK(records[2].at("existed") == true);
    CHECK(records[2].at("op") == "remove");
    CHECK(records[0].at("version").get<std::int64_t>() < records[1].at("version").get<std::int64_t>());
    CHECK(records[1].at("version").get<std::int64_t>() < records[2].at("version").get<std::int64_t>());
    CHECK(version_of("a").origin == "dep-a");
}

TEST_CASE_METHOD(LatchFixture, "Latch store: versions never repeat across restarts", "[server][latch]") {
    put("a", "1");
    put("b", "1");
    const auto before = version_of("b").version;
    REQUIRE(reopen("dep-a").ok());
    put("c", "1");
    CHECK(version_of("c").version == before + 1);
}

TEST_CASE_METHOD(LatchFixture, "Latch store: a data dir keeps its deployment id for life",
                 "[server][latch]") {
    CHECK(store->deployment_id() == "dep-a");
    REQUIRE(reopen("").ok());
    CHECK(store->deployment_id() == "dep-a");
    const Status other = reopen("dep-b");
    CHECK(other.code() == Errc::invalid_argument);
    CHECK(other.message().find("dep-a") != std::string::npos);
    CHECK(validate_deployment_id("a:b").code() == Errc::invalid_argument);
    CHECK(validate_deployment_id("").code() == Errc::invalid_argument);
    CHECK(validate_deployment_id(std::string(65, 'x')).code() == Errc::invalid_argument);
    CHECK(validate_deployment_id("eu-west.2_b").ok());
}

TEST_CASE_METHOD(LatchFixture, "Latch store: a received write is applied once, latch closed, its origin kept",
                 "[server][latch]") {
    auto outcomes = apply({received("dep-b:7", "a", "from b", 7)});
    REQUIRE(outcomes.size() == 1);
    CHECK(outcomes[0].outcome == ApplyOutcome::applied);
    const auto v = version_of("a");
    CHECK(v.value == "from b");
    CHECK(v.origin == "dep-b");
    CHECK(v.version == 7);
    auto records = changed_records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].at("latch") == "closed");
    CHECK(records[0].at("origin") == "dep-b");
    CHECK(store->checkpoint("events", "listener").value() == seq);

    // Redelivered, even with another value: a duplicate, nothing written, the checkpoint still moves.
    auto again = apply({received("dep-b:7", "a", "tampered", 7)});
    CHECK(again[0].outcome == ApplyOutcome::duplicate);
    CHECK(version_of("a").value == "from b");
    CHECK(changed_records().size() == 1);
    CHECK(store->checkpoint("events", "listener").value() == seq);

    // A replay (no checkpoint) applies what is new and leaves the checkpoint where it was.
    auto replayed =
        store->apply_received("listener", {received("dep-b:8", "b", "replayed", 8)}, std::nullopt, ++now);
    REQUIRE(replayed.ok());
    CHECK((*replayed)[0].outcome == ApplyOutcome::applied);
    CHECK(store->checkpoint("events", "listener").value() == seq);
}

TEST_CASE_METHOD(LatchFixture,
                 "Latch store: an older version never overwrites a newer one, ties go by origin",
                 "[server][latch]") {
    CHECK(apply({received("dep-b:5", "a", "v5", 5)})[0].outcome == ApplyOutcome::applied);
    CHECK(apply({received("dep-b:3", "a", "v3", 3)})[0].outcome == ApplyOutcome::stale);
    CHECK(version_of("a").value == "v5");
    // Same version from two origins: the greater origin wins, whichever arrives first.
    CHECK(apply({received("dep-c:5", "a", "c5", 5, "dep-c")})[0].outcome == ApplyOutcome::applied);
    CHECK(apply({received("dep-0:5", "a", "05", 5, "dep-0")})[0].outcome == ApplyOutcome::stale);
    CHECK(version_of("a").value == "c5");
    CHECK(changed_records().size() == 2);
}

TEST_CASE_METHOD(LatchFixture, "Latch store: a local write after a received one orders after it",
                 "[server][latch]") {
    CHECK(apply({received("dep-b:40", "a", "from b", 40)})[0].outcome == ApplyOutcome::applied);
    REQUIRE(reopen("dep-a").ok());  // the clock is kept in the database, not only in memory
    put("a", "local edit");
    const auto v = version_of("a");
    CHECK(v.origin == "dep-a");
    CHECK(v.version > 40);
    // So the other side, holding version 40, takes it: and an echo of 40 arriving late changes nothing.
    CHECK(apply({received("dep-b:40b", "a", "from b", 40)})[0].outcome == ApplyOutcome::stale);
    CHECK(version_of("a").value == "local edit");
}

TEST_CASE_METHOD(
    LatchFixture,
    "Latch store: a local write orders after every version of its key, even ones DeleteDataset erased",
    "[server][latch]") {
    CHECK(apply({received("dep-b:40", "a", "from b", 40)})[0].outcome == ApplyOutcome::applied);
    put("a", "local 1");
    put("a", "local 2");
    const auto erased = version_of("a").version;
    CHECK(erased > 41);
    REQUIRE(store->delete_dataset(identity, "things", ++now).ok());
    REQUIRE(reopen("dep-a").ok());
    put("a", "after the deletion");
    CHECK(version_of("a").version > erased);
    // Every version this deployment numbered is its own: no event id twice.
    std::set<std::string> ids;
    for (const auto& r : changed_records()) {
        if (r.at("origin") != "dep-a") continue;
        CHECK(ids.insert(std::to_string(r.at("originSeq").get<std::int64_t>())).second);
    }
    CHECK(ids.size() == 3);
}

TEST_CASE_METHOD(LatchFixture, "Latch store: a bad received write is rejected alone and changes nothing",
                 "[server][latch]") {
    auto bad_key = received("dep-b:1", std::string(1025, 'k'), "x", 1);
    auto unknown_identity = received("dep-b:2", "b", "x", 2);
    unknown_identity.identity_id = std::string(kOtherIdentity);
    auto bad_origin = received("dep-b:3", "c", "x", 3, "has:colon");
    auto good = received("dep-b:4", "d", "x", 4);
    auto outcomes = apply({bad_key, unknown_identity, bad_origin, good});
    REQUIRE(outcomes.size() == 4);
    CHECK(outcomes[0].outcome == ApplyOutcome::rejected);
    CHECK(outcomes[1].outcome == ApplyOutcome::rejected);
    CHECK(outcomes[1].reason.find("unknown") != std::string::npos);
    CHECK(outcomes[2].outcome == ApplyOutcome::rejected);
    CHECK(outcomes[3].outcome == ApplyOutcome::applied);
    CHECK(changed_records().size() == 1);
    CHECK(store->pool_of(kOtherIdentity).status().code() == Errc::not_found);
    // Rejections are not remembered as applied: a corrected redelivery is taken.
    unknown_identity.pool_id = std::string(kPool);
    CHECK(apply({unknown_identity})[0].outcome == ApplyOutcome::applied);
    CHECK(store->pool_of(kOtherIdentity).value() == kPool);
}

TEST_CASE_METHOD(LatchFixture,
                 "Latch store: output is committed with the checkpoint, forwarded only if applied",
                 "[server][latch]") {
    REQUIRE(store
                ->publish("events", {{"k1", R"({"n":1})"}, {"k2", R"({"n":2})"}},
                          {"dataset-changes", "trigger", 9}, ++now)
                .ok());
    CHECK(store->read_stream("events", 0, 100).value().size() == 2);
    CHECK(store->checkpoint("dataset-changes", "trigger").value() == 9);

    auto forwarded = received("dep-b:1", "a", "x", 1);
    forwarded.forward = NewStreamRecord{identity, R"({"id":"dep-b:1","hops":1})"};
    auto stale = received("dep-b:0", "a", "old", 1, "dep-0");
    stale.forward = NewStreamRecord{identity, R"({"id":"dep-0:0","hops":1})"};
    auto outcomes = apply({forwarded, stale, forwarded});
    CHECK(outcomes[0].outcome == ApplyOutcome::applied);
    CHECK(outcomes[1].outcome == ApplyOutcome::stale);
    CHECK(outcomes[2].outcome == ApplyOutcome::duplicate);
    const auto events = store->read_stream("events", 0, 100).value();
    REQUIRE(events.size() == 3);
    CHECK(json::parse(events[2].data).at("id") == "dep-b:1");
}
