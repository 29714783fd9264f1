// Sync conflict scenarios: two and three devices on one identity against the real server logic, each
// scenario a test that checks every device and the server converge. Built twice: against the in-process
// server (sync_engine_tests) and against a synclatch-server process over BeastHttpClient
// (sync_server_process_tests, SYNCLATCH_SYNC_WORLD_REAL_SERVER; see sync_world.hpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "support/numbered.hpp"
#include "sync/sync_world.hpp"

using namespace synclatch;
using synclatch::test::SyncDevice;
using synclatch::test::SyncWorld;

namespace {

std::optional<std::string> value_of(SyncDevice& device, const std::string& dataset, const std::string& key) {
    return device.dataset(dataset).get(key).value();
}

std::map<std::string, std::string> all_of(SyncDevice& device, const std::string& dataset) {
    return device.dataset(dataset).get_all().value();
}

sync::SyncResult must_sync(SyncDevice& device, const std::string& dataset, sync::SyncOptions options = {}) {
    auto result = device.sync(dataset, std::move(options));
    INFO(device.name() << ": " << result.status().to_string());
    REQUIRE(result.ok());
    return *result;
}

// What the server holds for the dataset, read by a fresh full pull.
std::map<std::string, std::string> server_state(SyncWorld& world, const std::string& dataset) {
    auto& probe = world.device("probe-" + std::to_string(world.devices.size()));
    must_sync(probe, dataset);
    return all_of(probe, dataset);
}

}  // namespace

TEST_CASE("synchronize: a put on one device reaches another, and a no-op sync is one request", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("thing-1", "one").ok());
    auto pushed = must_sync(a, "things");
    CHECK(pushed.pushed == 1);
    auto pulled = must_sync(b, "things");
    CHECK(pulled.pulled == 1);
    CHECK(value_of(b, "things", "thing-1") == "one");
    CHECK_FALSE(b.dataset("things").is_changed("thing-1").value());  // applied clean: never pushed back
    CHECK(a.dataset("things").modified_records().value().empty());

    auto noop = must_sync(b, "things");
    CHECK(noop.requests == 1);
    CHECK(noop.pulled == 0);
    CHECK(noop.pushed == 0);
}

TEST_CASE("synchronize: the same key edited offline on both devices: the later edit wins everywhere",
          "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "base").ok());
    must_sync(a, "things");
    must_sync(b, "things");

    REQUIRE(a.dataset("things").put("k", "from a").ok());  // earlier
    REQUIRE(b.dataset("things").put("k", "from b").ok());  // later: wins
    must_sync(a, "things");
    auto conflicted = must_sync(b, "things");
    CHECK(conflicted.conflicts == 1);
    must_sync(a, "things");
    CHECK(value_of(a, "things", "k") == "from b");
    CHECK(value_of(b, "things", "k") == "from b");
    CHECK(server_state(world, "things") == std::map<std::string, std::string>{{"k", "from b"}});
}

TEST_CASE("synchronize: the order of syncing does not change the winner", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "base").ok());
    must_sync(a, "things");
    must_sync(b, "things");
    REQUIRE(a.dataset("things").put("k", "from a").ok());
    REQUIRE(b.dataset("things").put("k", "from b").ok());  // later
    must_sync(b, "things");                                // the later one syncs first this time
    auto conflicted = must_sync(a, "things");
    CHECK(conflicted.conflicts == 1);
    must_sync(b, "things");
    CHECK(value_of(a, "things", "k") == "from b");
    CHECK(value_of(b, "things", "k") == "from b");
}

TEST_CASE("synchronize: edit against remove: the later of the two wins everywhere", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put_all({{"removed-last", "1"}, {"edited-last", "2"}}).ok());
    must_sync(a, "things");
    must_sync(b, "things");

    REQUIRE(a.dataset("things").put("removed-last", "changed").ok());
    REQUIRE(b.dataset("things").remove("removed-last").ok());  // later: the removal wins
    REQUIRE(b.dataset("things").remove("edited-last").ok());
    REQUIRE(
        a.dataset("things").put("edited-last", "changed after the removal").ok());  // later: the edit wins
    must_sync(a, "things");
    auto second = must_sync(b, "things");
    CHECK(second.conflicts == 2);
    must_sync(a, "things");
    const std::map<std::string, std::string> expected{{"edited-last", "changed after the removal"}};
    CHECK(all_of(a, "things") == expected);
    CHECK(all_of(b, "things") == expected);
    CHECK(server_state(world, "things") == expected);
}

TEST_CASE("synchronize: remove against remove: both sides agree, no conflict", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put_all({{"both", "1"}, {"kept", "2"}}).ok());
    must_sync(a, "things");
    must_sync(b, "things");

    REQUIRE(a.dataset("things").remove("both").ok());
    REQUIRE(b.dataset("things").remove("both").ok());
    must_sync(a, "things");
    auto second = must_sync(b, "things");
    CHECK(second.conflicts == 0);
    CHECK(b.dataset("things").modified_records().value().empty());
    must_sync(a, "things");
    const std::map<std::string, std::string> expected{{"kept", "2"}};
    CHECK(all_of(a, "things") == expected);
    CHECK(all_of(b, "things") == expected);
    CHECK(server_state(world, "things") == expected);
}

TEST_CASE("synchronize: of two equal removes, the later one is what a third device's edit is weighed against",
          "[sync]") {
    // Found by the convergence test's seed 1805: a removes, c edits offline, b removes later offline. b's
    // pull finds a's remove equal to its own; had it taken a's (earlier) time, c's edit would beat it.
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    auto& c = world.device("c");
    REQUIRE(a.dataset("things").put("k", "first").ok());
    must_sync(a, "things");
    must_sync(b, "things");
    must_sync(c, "things");

    REQUIRE(a.dataset("things").remove("k").ok());
    must_sync(a, "things");
    REQUIRE(c.dataset("things").put("k", "edited on c").ok());
    REQUIRE(b.dataset("things").remove("k").ok());  // the last edit of all
    auto agreed = must_sync(b, "things");
    CHECK(agreed.conflicts == 0);
    CHECK(agreed.pushed == 1);  // the same value, with b's later time
    auto weighed = must_sync(c, "things");
    CHECK(weighed.conflicts == 1);
    for (auto* device : {&a, &b, &c})
        must_sync(*device, "things");
    for (auto* device : {&a, &b, &c}) {
        INFO(device->name());
        CHECK_FALSE(value_of(*device, "things", "k").has_value());
    }
    CHECK(server_state(world, "things").empty());
}

TEST_CASE("synchronize: a local edit made while the push is in flight survives and is pushed next",
          "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "sent").ok());
    bool edited = false;
    world.client_of("a").before = [&](const sync::HttpRequest& request) {
        if (request.method == "POST" && !edited) {
            edited = true;
            REQUIRE(a.dataset("things").put("k", "typed during the push").ok());
        }
    };
    must_sync(a, "things");
    REQUIRE(edited);
    CHECK(value_of(a, "things", "k") == "typed during the push");
    CHECK(a.dataset("things").is_changed("k").value());  // not marked clean with the pushed value

    world.client_of("a").before = nullptr;
    auto next = must_sync(a, "things");
    CHECK(next.pushed == 1);
    CHECK(next.conflicts == 0);  // built on the server's version of its own push
    must_sync(b, "things");
    CHECK(value_of(b, "things", "k") == "typed during the push");
}

TEST_CASE("synchronize: a concurrent writer's 409 makes the sync pull again and retry", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "base").ok());
    must_sync(a, "things");
    must_sync(b, "things");

    REQUIRE(a.dataset("things").put("k", "a's edit").ok());
    bool raced = false;
    world.client_of("a").before = [&](const sync::HttpRequest& request) {
        if (request.method == "POST" && !raced) {  // b commits the same key between a's pull and push
            raced = true;
            REQUIRE(b.dataset("things").put("k", "b's edit").ok());
            must_sync(b, "things");
        }
    };
    auto result = must_sync(a, "things");
    CHECK(raced);
    CHECK(result.attempts == 2);
    CHECK(result.conflicts == 1);
    must_sync(b, "things");
    CHECK(value_of(a, "things", "k") == value_of(b, "things", "k"));
    CHECK(value_of(a, "things", "k") == "b's edit");  // the later edit
}

TEST_CASE("synchronize: a dataset deleted remotely while a device was offline", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put_all({{"synced", "1"}, {"other", "2"}}).ok());
    must_sync(a, "things");
    must_sync(b, "things");
    REQUIRE(a.dataset("things").remove_dataset().ok());
    must_sync(a, "things");  // deletes it on the server

    SECTION("by default the deletion wins, but edits not yet pushed are kept and re-create it") {
        REQUIRE(b.dataset("things").put("offline", "typed offline").ok());
        auto result = must_sync(b, "things");
        CHECK(result.deleted_remotely);
        CHECK(all_of(b, "things") == std::map<std::string, std::string>{{"offline", "typed offline"}});
        must_sync(a, "things");
        CHECK(all_of(a, "things") == std::map<std::string, std::string>{{"offline", "typed offline"}});
    }
    SECTION("the app may keep its copy, which re-creates the dataset") {
        sync::SyncOptions options;
        std::string asked;
        options.on_dataset_deleted = [&](std::string_view name) {
            asked = std::string(name);
            return false;
        };
        must_sync(b, "things", options);
        CHECK(asked == "things");
        must_sync(a, "things");
        const std::map<std::string, std::string> kept{{"synced", "1"}, {"other", "2"}};
        CHECK(all_of(a, "things") == kept);
        CHECK(server_state(world, "things") == kept);
    }
}

TEST_CASE("synchronize: each resolve helper", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put_all({{"remote", "0"}, {"local", "0"}, {"merged", "0"}}).ok());
    must_sync(a, "things");
    must_sync(b, "things");
    REQUIRE(a.dataset("things").put_all({{"remote", "a"}, {"local", "a"}, {"merged", "a"}}).ok());
    must_sync(a, "things");
    REQUIRE(b.dataset("things").put_all({{"remote", "b"}, {"local", "b"}, {"merged", "b"}}).ok());

    sync::SyncOptions options;
    std::vector<std::string> seen;
    options.on_conflict = [&](std::span<sync::Conflict> conflicts) {
        for (auto& c : conflicts) {
            seen.push_back(c.key() + ":" + c.local().value.value_or("-") + "/" +
                           c.remote().value.value_or("-"));
            if (c.key() == "remote") c.resolve_with_remote();
            if (c.key() == "local") c.resolve_with_local();
            if (c.key() == "merged") c.resolve_with_value(*c.remote().value + "+" + *c.local().value);
        }
        return true;
    };
    auto result = must_sync(b, "things", options);
    CHECK(result.conflicts == 3);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"local:b/a", "merged:b/a", "remote:b/a"});
    must_sync(a, "things");
    const std::map<std::string, std::string> expected{{"remote", "a"}, {"local", "b"}, {"merged", "a+b"}};
    CHECK(all_of(a, "things") == expected);
    CHECK(all_of(b, "things") == expected);
    CHECK(b.dataset("things").modified_records().value().empty());
}

TEST_CASE("synchronize: the default policy breaks a tie in device time the same way on every device",
          "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "base").ok());
    must_sync(a, "things");
    must_sync(b, "things");
    const core::EpochMillis same_moment = world.time + 100;
    world.time = same_moment - 1;
    REQUIRE(a.dataset("things").put("k", "apple").ok());
    world.time = same_moment - 1;
    REQUIRE(b.dataset("things").put("k", "banana").ok());  // same device time; the greater value wins
    REQUIRE(a.dataset("things").get_record("k").value()->device_last_modified ==
            b.dataset("things").get_record("k").value()->device_last_modified);
    must_sync(b, "things");
    must_sync(a, "things");
    must_sync(b, "things");
    CHECK(value_of(a, "things", "k") == "banana");
    CHECK(value_of(b, "things", "k") == "banana");
}

TEST_CASE("synchronize: a conflict callback that stops the sync loses nothing", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    REQUIRE(a.dataset("things").put("k", "base").ok());
    must_sync(a, "things");
    must_sync(b, "things");
    REQUIRE(a.dataset("things").put("k", "a").ok());
    must_sync(a, "things");
    REQUIRE(b.dataset("things").put("k", "b").ok());
    sync::SyncOptions stop;
    stop.on_conflict = [](std::span<sync::Conflict>) { return false; };
    auto stopped = b.sync("things", stop);
    CHECK(stopped.status().code() == Errc::cancelled);
    CHECK(value_of(b, "things", "k") == "b");
    CHECK(b.dataset("things").is_changed("k").value());
    must_sync(b, "things");  // default policy this time: b's later edit wins
    must_sync(a, "things");
    CHECK(value_of(a, "things", "k") == "b");
}

TEST_CASE("synchronize: three devices editing different and the same keys converge", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    auto& c = world.device("c");
    REQUIRE(a.dataset("things").put("shared", "a").ok());
    REQUIRE(b.dataset("things").put("shared", "b").ok());
    REQUIRE(c.dataset("things").put("shared", "c").ok());  // the last edit
    REQUIRE(a.dataset("things").put("only-a", "1").ok());
    REQUIRE(b.dataset("things").put("only-b", "2").ok());
    REQUIRE(c.dataset("things").remove("never-there").ok());
    for (int round = 0; round < 2; ++round) {
        for (auto* device : {&a, &b, &c})
            must_sync(*device, "things");
    }
    const std::map<std::string, std::string> expected{{"shared", "c"}, {"only-a", "1"}, {"only-b", "2"}};
    CHECK(all_of(a, "things") == expected);
    CHECK(all_of(b, "things") == expected);
    CHECK(all_of(c, "things") == expected);
    CHECK(server_state(world, "things") == expected);
}

TEST_CASE("synchronize: data written before sign-in moves to the identity and syncs", "[sync]") {
    SyncWorld world;
    auto& b = world.device("b");
    // A device that wrote while it had no identity yet, then learned it (the identity merge of the store).
    core::StoreOptions options;
    options.path = world.dir.file("early.db");
    options.clock = world.clock;
    auto early = core::LocalStore::open(options).value();
    REQUIRE(early->open_or_create_dataset("things").value().put("k", "written before sign-in").ok());
    REQUIRE(early->set_identity_id(world.identity).ok());
    early.reset();
    auto& a = world.device("early");  // reopens the same file, identity now known
    must_sync(a, "things");
    must_sync(b, "things");
    CHECK(value_of(b, "things", "k") == "written before sign-in");
}

// No ';' in test names: catch_discover_tests (Catch2 2.x) splits a name there into two ctest entries that
// match no test case, and such an entry passes without running anything.
TEST_CASE(
    "synchronize: signing in as another identity carries the data over, and only a server merge reports "
    "merged datasets",
    "[sync]") {
    SyncWorld world;
    const std::string other = world.server.create_identity();
    auto& a = world.device("a", other);
    REQUIRE(a.dataset("things").put("k", "from the other identity").ok());
    must_sync(a, "things");
    // The device signs in as world.identity: the store copies the data over and keeps the old datasets
    // as "things.<other>"; a sync of each takes both to the server.
    REQUIRE(a.store().set_identity_id(world.identity).ok());
    SyncDevice signed_in(world.dir.file("a.db"), world.client_of("a"), world.identity, world.clock, "a",
                         world.endpoint());
    must_sync(signed_in, "things");
    REQUIRE(signed_in.dataset("things." + other).put("k", "kept under the merged name").ok());
    must_sync(signed_in, "things." + other);

    // The server merged no identity into world.identity: "things.<other>" is a dataset like any other, and
    // MergedDatasetNames stays empty (PROTOCOL.md §3.5); were it listed, the SDKs would cancel the sync of
    // "things" over it.
    auto& b = world.device("b");
    sync::SyncOptions options;
    bool merged_reported = false;
    options.on_datasets_merged = [&](std::string_view, const std::vector<std::string>&) {
        merged_reported = true;
    };
    must_sync(b, "things", options);
    CHECK(value_of(b, "things", "k") == "from the other identity");
    CHECK_FALSE(merged_reported);
}

TEST_CASE("synchronize: full re-pull, paging and progress", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    std::map<std::string, std::string> many;
    for (int i = 0; i < 700; ++i)
        many["key-" + std::to_string(i)] = "value " + std::to_string(i);
    REQUIRE(a.dataset("things").put_all(many).ok());
    must_sync(a, "things");
    sync::SyncOptions options;
    options.page_size = 100;
    std::int64_t pages = 0;
    options.on_progress = [&](const sync::SyncProgress& p) {
        if (p.phase == sync::SyncProgress::Phase::pulling) pages = p.pages;
    };
    auto pulled = must_sync(b, "things", options);
    CHECK(pulled.pulled == 700);
    CHECK(pages == 7);
    CHECK(all_of(b, "things") == many);
    options.full_pull = true;
    auto again = must_sync(b, "things", options);
    CHECK(again.pulled == 700);
    CHECK(again.conflicts == 0);
    CHECK(all_of(b, "things") == many);
}

TEST_CASE("synchronize: a cancelled sync stops between requests and loses nothing", "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    REQUIRE(a.dataset("things").put("k", "v").ok());
    std::atomic<bool> cancel{false};
    world.client_of("a").before = [&](const sync::HttpRequest& request) {
        if (request.method == "GET") cancel = true;  // cancelled during the pull
    };
    sync::SyncOptions options;
    options.cancel = &cancel;
    auto result = a.sync("things", options);
    CHECK(result.status().code() == Errc::cancelled);
    CHECK(a.dataset("things").is_changed("k").value());
    world.client_of("a").before = nullptr;
    cancel = false;
    must_sync(a, "things", options);
    CHECK(server_state(world, "things") == std::map<std::string, std::string>{{"k", "v"}});
}

TEST_CASE("synchronize: a push of more records than one page, edited during the push, loses nothing",
          "[sync]") {
    SyncWorld world;
    auto& a = world.device("a");
    auto& b = world.device("b");
    auto key = [](int i) { return test::numbered("k", 100 + i); };  // k100..k149: key order is number order
    std::map<std::string, std::string> values;
    for (int i = 0; i < 50; ++i)
        values[key(i)] = test::numbered("v", i);
    REQUIRE(a.dataset("things").put_all(values).ok());

    sync::SyncOptions options;
    options.max_patches_per_request = 8;
    std::int64_t pushes = 0;
    options.on_progress = [&](const sync::SyncProgress& progress) {
        if (progress.phase != sync::SyncProgress::Phase::pushing || ++pushes != 2) return;
        // Two pages (k100..k115) are pushed and settled: edit one behind the page cursor, others ahead.
        REQUIRE(a.dataset("things").put(key(3), "edited behind").ok());
        REQUIRE(a.dataset("things").put(key(40), "edited ahead").ok());
        REQUIRE(a.dataset("things").remove(key(45)).ok());
        REQUIRE(a.dataset("things").put("k999", "added during the push").ok());
    };
    auto first = must_sync(a, "things", options);
    // One ListRecords, then 51 modified records (50 + k999; k145 now a tombstone) in pages of 8: 7 pushes.
    CHECK(first.requests == 8);
    CHECK(pushes == 7);
    // The edit behind the cursor waits for the next sync; the ones ahead went in this push.
    CHECK(a.dataset("things").modified_records().value().size() == 1);
    CHECK(a.dataset("things").is_changed(key(3)).value());
    must_sync(b, "things");
    CHECK(value_of(b, "things", key(3)) == "v3");
    CHECK(value_of(b, "things", key(40)) == "edited ahead");
    CHECK_FALSE(value_of(b, "things", key(45)).has_value());
    CHECK(value_of(b, "things", "k999") == "added during the push");

    auto second = must_sync(a, "things");
    CHECK(second.pushed == 1);
    CHECK(a.dataset("things").modified_records().value().empty());
    must_sync(b, "things");
    CHECK(all_of(b, "things") == all_of(a, "things"));
    CHECK(all_of(a, "things").size() == 50);  // 50 - k145 + k999
    CHECK(server_state(world, "things") == all_of(a, "things"));
}

namespace {

// Passes requests on and watches the UpdateRecords among them: how many were in flight at once at most.
// hold_first keeps the first one from reaching the server until a second is in flight too (bounded), so
// that an engine that overlaps its requests is seen doing so every time. The UpdateRecords whose body
// holds fail_after_delivery (when not empty) reaches the server, but its answer is lost.
class InFlightProbe final : public sync::HttpClient {
  public:
    explicit InFlightProbe(sync::HttpClient& inner) : inner_(inner) {}
    bool hold_first = false;
    std::string fail_after_delivery;

    bool concurrent_sends() const noexcept override { return inner_.concurrent_sends(); }

    Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                    std::chrono::milliseconds deadline) override {
        // UpdateRecords is the POST to a dataset itself; the other dataset calls go to its sub-resources.
        const bool update = request.method == "POST" &&
                            request.target.find("/datasets/") != std::string::npos &&
                            request.target.find("/subscriptions/") == std::string::npos;
        if (!update) return inner_.send(request, deadline);
        int nth = 0;
        {
            std::unique_lock lock(mutex_);
            nth = ++updates_;
            most_in_flight_ = std::max(most_in_flight_, ++in_flight_);
            changed_.notify_all();
            if (hold_first && nth == 1)
                changed_.wait_for(lock, std::chrono::seconds(10), [&] { return in_flight_ >= 2; });
        }
        auto answer = inner_.send(request, deadline);
        {
            std::lock_guard lock(mutex_);
            --in_flight_;
        }
        if (!fail_after_delivery.empty() && request.body.find(fail_after_delivery) != std::string::npos)
            return Status{Errc::unavailable, "injected: the answer was lost"};
        return answer;
    }

    int most_in_flight() {
        std::lock_guard lock(mutex_);
        return most_in_flight_;
    }
    int updates() {
        std::lock_guard lock(mutex_);
        return updates_;
    }

  private:
    sync::HttpClient& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int updates_ = 0;         // guarded by mutex_
    int in_flight_ = 0;       // guarded by mutex_
    int most_in_flight_ = 0;  // guarded by mutex_
};

}  // namespace

TEST_CASE("synchronize: a push keeps two UpdateRecords in flight and records the sync count over both",
          "[sync]") {
    SyncWorld world;
    InFlightProbe probe(world.server.client());
    probe.hold_first = true;
    SyncDevice a(world.dir.file("a.db"), probe, world.identity, world.clock, "a", world.endpoint());
    std::map<std::string, std::string> values;
    for (int i = 0; i < 40; ++i)
        values[test::numbered("k", 100 + i)] = test::numbered("v", i);
    REQUIRE(a.dataset("things").put_all(values).ok());

    sync::SyncOptions options;
    options.max_patches_per_request = 8;
    options.max_requests_in_flight = 2;
    auto pushed = must_sync(a, "things", options);
    CHECK(probe.updates() == 5);
    CHECK(probe.most_in_flight() == 2);
    CHECK(pushed.pushed == 40);
    // Nobody else wrote: the five commits are 1..5 in whatever order they landed, so the count is 5 and
    // the next sync is one ListRecords with nothing new.
    CHECK(pushed.sync_count == 5);
    CHECK(a.dataset("things").modified_records().value().empty());
    auto noop = must_sync(a, "things");
    CHECK(noop.requests == 1);
    CHECK(noop.pulled == 0);
    CHECK(server_state(world, "things") == values);

    // One at a time when asked.
    InFlightProbe single(world.server.client());
    SyncDevice b(world.dir.file("b.db"), single, world.identity, world.clock, "b", world.endpoint());
    must_sync(b, "things");
    for (int i = 0; i < 40; ++i)
        values[test::numbered("k", 100 + i)] = test::numbered("from b ", i);
    REQUIRE(b.dataset("things").put_all(values).ok());
    options.max_requests_in_flight = 1;
    must_sync(b, "things", options);
    CHECK(single.updates() == 5);
    CHECK(single.most_in_flight() == 1);
    CHECK(server_state(world, "things") == values);
}

TEST_CASE("synchronize: when one of two UpdateRecords in flight fails, the other's answer is still settled",
          "[sync]") {
    SyncWorld world;
    InFlightProbe probe(world.server.client());
    probe.hold_first = true;
    probe.fail_after_delivery = "\"k108\"";  // page 2
    SyncDevice a(world.dir.file("a.db"), probe, world.identity, world.clock, "a", world.endpoint());
    auto key = [](int i) { return test::numbered("k", 100 + i); };  // k100..k139: key order is number order
    std::map<std::string, std::string> values;
    for (int i = 0; i < 40; ++i)
        values[key(i)] = test::numbered("v", i);
    REQUIRE(a.dataset("things").put_all(values).ok());

    sync::SyncOptions options;
    options.max_patches_per_request = 8;
    options.max_requests_in_flight = 2;
    auto failed = a.sync("things", options);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.status().code() == Errc::unavailable);
    // Pages 1 and 2 went together; page 3 was sent when page 1's answer came; page 2's answer was lost,
    // so nothing more was sent. Pages 1 and 3 are settled; page 2 (written, answer lost) and 4, 5 are not.
    CHECK(probe.updates() == 3);
    for (int i = 0; i < 40; ++i) {
        INFO(key(i));
        const bool settled = i < 8 || (i >= 16 && i < 24);
        CHECK(a.dataset("things").is_changed(key(i)).value() == !settled);
    }
    CHECK(server_state(world, "things").size() == 24);

    // The next sync converges: page 2's records come back from the server, pages 4 and 5 go.
    must_sync(a, "things", options);
    CHECK(a.dataset("things").modified_records().value().empty());
    CHECK(server_state(world, "things") == values);
    CHECK(all_of(a, "things") == values);
}
