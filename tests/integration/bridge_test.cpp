// Bridged deployments (DESIGN.md "The latch", tests T1-T5, T9, T10): replication both ways, in rings and
// meshes, with conflicts, crashes and duplicate ids. Every test bounds the events and applies it sees, and
// checks again after extra rounds (the bridges long-poll every second), so a loop fails rather than hangs.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>
#include <tuple>

#include "support/child_process.hpp"
#include "support/deployment.hpp"
#include "support/numbered.hpp"
#include "support/temp_dir.hpp"
#include "support/test_store.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> peers(std::initializer_list<const Deployment*> of, int max_hops = 1) {
    std::vector<std::string> flags = {"--max-hops", std::to_string(max_hops)};
    for (const auto* d : of) {
        flags.push_back("--peer");
        flags.push_back(d->url());
    }
    return flags;
}

// Long enough for every bridge to have polled its peer again (long-poll: 1 s) with nothing left to do.
void extra_rounds() {
    std::this_thread::sleep_for(2500ms);
}

using Records = std::map<std::string, std::string>;

// Sums a processor counter over deployments.
long total(std::initializer_list<Deployment*> of, const std::string& processor, const std::string& outcome) {
    long sum = 0;
    for (auto* d : of)
        sum += d->processor_count(processor, outcome);
    return sum;
}

// Two deployments, each reading the other.
struct BridgedPair {
    explicit BridgedPair(int max_hops = 1) {
        a.start(peers({&b}, max_hops));
        b.start(peers({&a}, max_hops));
    }
    TempDir dir;
    Deployment a{dir.file("a"), "dep-a", {}, false};
    Deployment b{dir.file("b"), "dep-b", {}, false};
};

// With two hops allowed, each forwards what it receives.
struct ForwardingPair : BridgedPair {
    ForwardingPair() : BridgedPair(2) {}
};

}  // namespace

TEST_CASE_METHOD(
    BridgedPair,
    "Bridge: T1 two deployments, one write: one event, one apply, nothing more after extra rounds",
    "[integration][latch][bridge]") {
    // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = a.new_identity();
    a.write(identity, creds, "profile", "name", "Ada");

    REQUIRE(eventually([&] { return b.records(identity, "profile") == Records{{"name", "Ada"}}; }));
    extra_rounds();
    CHECK(a.stream("events").size() == 1);
    CHECK(b.stream("events").empty());  // b never republishes what it received
    CHECK(b.processor_count("bridge", "applied") == 1);
    CHECK(a.processor_count("bridge", "applied") == 0);
    CHECK(b.processor_count("trigger", "skipped_by_latch") == 1);
    CHECK(total({&a, &b}, "trigger", "published") == 1);
    CHECK(a.stream("dataset-changes").size() == 1);
    CHECK(b.stream("dataset-changes").size() == 1);
    // The device of the same identity on b reads it through b.
    const auto creds_b = b.credentials_for(identity);
    const auto listed =
        b.client().send("GET", dataset_path(identity, "profile") + "/records", "", creds_b).json();
    REQUIRE(listed.at("Records").size() == 1);
    CHECK(listed.at("Records")[0].at("Value") == "Ada");
}

TEST_CASE("Bridge: T2 three in a ring reach each other by forwarding, at most max-hops far",
          "[integration][latch][bridge]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {}, false), b(dir.file("b"), "dep-b", {}, false),
        c(dir.file("c"), "dep-c", {}, false);
    // Each reads only the one before it: a <- c <- b <- a. Reaching the third takes two hops.
    a.start(peers({&c}, 2));
    b.start(peers({&a}, 2));
    c.start(peers({&b}, 2));
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = a.new_identity();
    a.write(identity, creds, "profile", "from-a", "1");
    REQUIRE(eventually([&] { return c.records(identity, "profile").size() == 1; }));
    b.write(identity, b.credentials_for(identity), "profile", "from-b", "2");
    c.write(identity, c.credentials_for(identity), "profile", "from-c", "3");

    const Records all = {{"from-a", "1"}, {"from-b", "2"}, {"from-c", "3"}};
    for (auto* d : {&a, &b, &c}) {
        INFO(d->id());
        REQUIRE(eventually([&] { return d->records(identity, "profile") == all; }));
    }
    extra_rounds();
    // Three writes: each published once, forwarded once (by the first hop), applied by the two others.
    CHECK(total({&a, &b, &c}, "trigger", "published") == 3);
    CHECK(total({&a, &b, &c}, "bridge", "forwarded") == 3);
    CHECK(total({&a, &b, &c}, "bridge", "applied") == 6);
    CHECK(a.stream("events").size() + b.stream("events").size() + c.stream("events").size() == 6);
    for (auto* d : {&a, &b, &c}) {
        INFO(d->id());
        CHECK(d->stream("dataset-changes").size() == 3);
        CHECK(d->records(identity, "profile") == all);
    }
}

TEST_CASE("Bridge: T3 three sharing all their events, 100 writes spread across them, converge",
          "[integration][latch][bridge]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {}, false), b(dir.file("b"), "dep-b", {}, false),
        c(dir.file("c"), "dep-c", {}, false);
    a.start(peers({&b, &c}));
    b.start(peers({&a, &c}));
    c.start(peers({&a, &b}));
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "k0", "seed");
    REQUIRE(eventually(
        [&] { return !b.records(identity, "profile").empty() && !c.records(identity, "profile").empty(); }));
    std::vector<Deployment*> ds = {&a, &b, &c};
    std::vector<synclatch::sync::sigv4::Credentials> creds = {creds_a, b.credentials_for(identity),
                                                              c.credentials_for(identity)};
    constexpr int kWrites = 100;
    for (int i = 0; i < kWrites; ++i) {
        // 20 keys: the same key is written on several deployments while earlier writes still travel.
        const int at = i % 3;
        ds[at]->write(identity, creds[at], "profile", numbered("k", i % 20),
                      ds[at]->id() + "-" + std::to_string(i));
    }
    REQUIRE(eventually(
        [&] {
            const auto ra = a.records(identity, "profile");
            return ra.size() == 20 && ra == b.records(identity, "profile") &&
                   ra == c.records(identity, "profile");
        },
        30s));
    extra_rounds();
    const auto final_a = a.records(identity, "profile");
    CHECK(final_a == b.records(identity, "profile"));
    CHECK(final_a == c.records(identity, "profile"));
    // 101 writes, each published once by its own deployment and offered to the two others exactly once:
    // applied, or stale when a newer version of the key was there first. Nothing is forwarded.
    const long published = total({&a, &b, &c}, "trigger", "published");
    CHECK(published == kWrites + 1);
    CHECK(total({&a, &b, &c}, "bridge", "applied") + total({&a, &b, &c}, "bridge", "stale") == 2 * published);
    CHECK(total({&a, &b, &c}, "bridge", "forwarded") == 0);
    CHECK(a.stream("events").size() + b.stream("events").size() + c.stream("events").size() ==
          static_cast<std::size_t>(published));
}

TEST_CASE_METHOD(BridgedPair,
                 "Bridge: T4 concurrent conflicting edits on two sides converge to the same value",
                 "[integration][latch][bridge]") {
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "shared", "start");
    REQUIRE(eventually([&] { return b.records(identity, "profile").size() == 1; }));
    const auto creds_b = b.credentials_for(identity);
    // Cut the link (restart both without peers), edit on both sides, then bridge again.
    a.restart({"--processor", "trigger"});
    b.restart({"--processor", "trigger"});
    for (int i = 0; i < 5; ++i) {
        a.write(identity, creds_a, "profile", numbered("key", i), numbered("a", i));
        // b edits each key i+1 times: its versions end up higher for some keys, lower for others.
        for (int n = 0; n <= i; ++n)
            b.write(identity, creds_b, "profile", numbered("key", i),
                    numbered("b", i) + "." + std::to_string(n));
    }
    a.write(identity, creds_a, "profile", "shared", "a");
    b.write(identity, creds_b, "profile", "shared", "b");
    a.restart(peers({&b}));
    b.restart(peers({&a}));
    REQUIRE(eventually([&] {
        const auto ra = a.records(identity, "profile");
        return ra.size() == 6 && ra == b.records(identity, "profile");
    }));
    extra_rounds();
    CHECK(a.records(identity, "profile") == b.records(identity, "profile"));
    CHECK(total({&a, &b}, "bridge", "forwarded") == 0);
    // Each side offered its writes to the other once: applied or stale, nothing more. (Counters restart
    // with the process: b's apply of "start", before the restarts, is not among them.)
    const long published = a.stream("events").size() + b.stream("events").size();
    CHECK(total({&a, &b}, "bridge", "applied") + total({&a, &b}, "bridge", "stale") == published - 1);
}

TEST_CASE_METHOD(BridgedPair, "Bridge: T5 a local edit right after a replicated write is published and wins",
                 "[integration][latch][bridge]") {
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "k", "from a");
    REQUIRE(eventually([&] { return b.records(identity, "profile") == Records{{"k", "from a"}}; }));
    b.write(identity, b.credentials_for(identity), "profile", "k", "edited on b");
    REQUIRE(eventually([&] { return a.records(identity, "profile") == Records{{"k", "edited on b"}}; }));
    extra_rounds();
    CHECK(b.records(identity, "profile") == Records{{"k", "edited on b"}});
    CHECK(a.stream("events").size() == 1);
    CHECK(b.stream("events").size() == 1);
    CHECK(total({&a, &b}, "bridge", "applied") == 2);
    CHECK(total({&a, &b}, "bridge", "stale") == 0);
}

TEST_CASE_METHOD(BridgedPair, "Bridge: T9 a delete racing an update converges on both sides",
                 "[integration][latch][bridge]") {
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "deleted-on-a", "v");
    a.write(identity, creds_a, "profile", "deleted-on-b", "v");
    REQUIRE(eventually([&] { return b.records(identity, "profile").size() == 2; }));
    const auto creds_b = b.credentials_for(identity);
    a.restart({"--processor", "trigger"});
    b.restart({"--processor", "trigger"});
    a.write(identity, creds_a, "profile", "deleted-on-a", std::nullopt);
    b.write(identity, creds_b, "profile", "deleted-on-a", "updated on b");
    b.write(identity, creds_b, "profile", "deleted-on-b", std::nullopt);
    a.write(identity, creds_a, "profile", "deleted-on-b", "updated on a");
    a.restart(peers({&b}));
    b.restart(peers({&a}));
    // Whichever wins, both sides hold the same: ties of version go to the greater origin.
    REQUIRE(eventually([&] {
        return a.records(identity, "profile") == b.records(identity, "profile") &&
               a.processor_count("bridge", "applied") + a.processor_count("bridge", "stale") == 2 &&
               b.processor_count("bridge", "applied") + b.processor_count("bridge", "stale") == 2;
    }));
    extra_rounds();
    CHECK(a.records(identity, "profile") == b.records(identity, "profile"));
    // On SQLite both sides' clocks stood at 2 (two writes seen), so each race is between equal versions, and
    // dep-b is the greater origin: its update and its delete win, on both sides. On PostgreSQL a local write
    // after received ones takes the floor + 1 (docs/latch.md): dep-b's two writes are both version 3, dep-a's
    // 3 and 4, so dep-a's later update wins its race.
    const Records expected = servers_on_postgres()
                                 ? Records{{"deleted-on-a", "updated on b"}, {"deleted-on-b", "updated on a"}}
                                 : Records{{"deleted-on-a", "updated on b"}};
    CHECK(a.records(identity, "profile") == expected);
}

TEST_CASE("Bridge: T10 a duplicate deployment id is refused at start", "[integration][latch][bridge]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {});
    const auto refused = run_process({SYNCLATCH_SERVER_BINARY, "--listen", "127.0.0.1:0", "--data",
                                      dir.file("b"), "--deployment-id", "dep-a", "--peer", a.url()},
                                     10s);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("own id 'dep-a'") != std::string::npos);
}

TEST_CASE_METHOD(ForwardingPair, "Bridge: T10 echoes are dropped and still advance the checkpoint",
                 "[integration][latch][bridge]") {
    // b forwards what it receives: a reads its own write back from b.
    auto [identity, creds] = a.new_identity();
    a.write(identity, creds, "profile", "k", "v");
    REQUIRE(eventually([&] { return a.processor_count("bridge", "skipped_by_latch") == 1; }));
    extra_rounds();
    // Read once, skipped once: had the checkpoint stayed put, every poll would count it again.
    CHECK(a.processor_count("bridge", "skipped_by_latch") == 1);
    CHECK(a.processor_count("bridge", "applied") == 0);
    CHECK(b.processor_count("bridge", "forwarded") == 1);
    CHECK(a.stream("events").size() == 1);
    CHECK(b.stream("events").size() == 1);
    CHECK(a.stream("dataset-changes").size() == 1);
}

TEST_CASE("Bridge: each peer reads with its own key from the config file, which may read streams only",
          "[integration][latch][bridge]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {}, false), b(dir.file("b"), "dep-b", {}, false),
        c(dir.file("c"), "dep-c", {}, false);
    a.start({"--processor", "trigger", "--stream-reader-key", "AKIDBREADSA:b-reads-a-secret"});
    // b's key for a is in its config file, not in argv; c's key is one a does not know.
    const std::string b_config = dir.file("b.toml");
    {
        std::ofstream out(b_config);
        out << "peer = [\"http://AKIDBREADSA:b-reads-a-secret@" << a.url().substr(7) << "\"]\n";
    }
    b.start({"--config", b_config});
    c.start({"--peer", "http://AKIDUNKNOWN:guess@" + a.url().substr(7)});

    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = a.new_identity();
    a.write(identity, creds, "profile", "name", "Ada");
    REQUIRE(eventually([&] { return b.records(identity, "profile") == Records{{"name", "Ada"}}; }));
    extra_rounds();
    CHECK(c.stream("dataset-changes").empty());  // refused by a: nothing replicated

    // The reader key reads streams, and may do nothing else.
    const synclatch::sync::sigv4::Credentials reader{"AKIDBREADSA", "b-reads-a-secret", ""};
    CHECK(a.client().send("GET", "/streams/events/records?after=0", "", reader).status == 200);
    CHECK(a.client()
              .send("POST", "/streams/events/records", R"({"PartitionKey": "p", "Data": {}})", reader)
              .error_type == "NotAuthorizedException");
    CHECK(a.client()
              .send("PUT", "/streams/events/consumers/g", R"({"SequenceNumber": 0})", reader)
              .error_type == "NotAuthorizedException");
    CHECK(a.client().send("GET", dataset_path(identity, "profile") + "/records", "", reader).error_type ==
          "NotAuthorizedException");
    CHECK(a.client()
              .send("GET", "/identitypools/" + encode_path_segment(kTestPool) + "/events", "", reader)
              .error_type == "NotAuthorizedException");
}

TEST_CASE_METHOD(BridgedPair, "Bridge: a DeleteDataset on one side deletes the dataset on the other, once",
                 "[integration][latch][bridge]") {
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "name", "Ada");
    a.write(identity, creds_a, "profile", "city", "London");
    REQUIRE(eventually([&] { return b.records(identity, "profile").size() == 2; }));
    const auto creds_b = b.credentials_for(identity);
    REQUIRE(a.client().send("DELETE", dataset_path(identity, "profile"), "", creds_a).status == 200);

    auto described = [&](Deployment& d, const synclatch::sync::sigv4::Credentials& creds) {
        return d.client().send("GET", dataset_path(identity, "profile"), "", creds).error_type;
    };
    REQUIRE(eventually([&] { return described(b, creds_b) == "ResourceNotFoundException"; }));
    extra_rounds();
    CHECK(b.records(identity, "profile").empty());
    // One dataset-deleted event, published by a only; b applied it once and published nothing.
    auto deletions = [](Deployment& d) {
        long n = 0;
        for (const auto& e : d.stream("events"))
            n += e.at("type") == "dataset-deleted" ? 1 : 0;
        return n;
    };
    CHECK(deletions(a) == 1);
    CHECK(deletions(b) == 0);
    CHECK(b.processor_count("bridge", "applied") == 3);  // two writes and the deletion
    CHECK(a.processor_count("bridge", "applied") == 0);
    CHECK(total({&a, &b}, "trigger", "published") == 3);
    // A device on b syncing from where it was learns that the dataset was deleted.
    const auto listed =
        b.client()
            .send("GET", dataset_path(identity, "profile") + "/records?lastSyncCount=2", "", creds_b)
            .json();
    CHECK(listed.at("DatasetDeletedAfterRequestedSyncCount") == true);
    // Written again on b afterwards, the dataset comes back on both sides (the deletion is older).
    b.write(identity, creds_b, "profile", "name", "Grace");
    REQUIRE(eventually([&] { return a.records(identity, "profile") == Records{{"name", "Grace"}}; }));
    CHECK(b.records(identity, "profile") == Records{{"name", "Grace"}});
}

TEST_CASE_METHOD(BridgedPair, "Bridge: a received DeleteDataset keeps records written after it elsewhere",
                 "[integration][latch][bridge]") {
    std::string identity;
    synclatch::sync::sigv4::Credentials creds_a;
    std::tie(identity, creds_a) = a.new_identity();
    a.write(identity, creds_a, "profile", "old", "v");
    REQUIRE(eventually([&] { return b.records(identity, "profile").size() == 1; }));
    const auto creds_b = b.credentials_for(identity);
    // Cut apart: b writes a new key after a's deletion (b's clock is past a's version of "old" already).
    a.restart({"--processor", "trigger"});
    b.restart({"--processor", "trigger"});
    REQUIRE(a.client().send("DELETE", dataset_path(identity, "profile"), "", creds_a).status == 200);
    b.write(identity, creds_b, "profile", "new", "written on b");
    b.write(identity, creds_b, "profile", "newer", "also on b");
    a.restart(peers({&b}));
    b.restart(peers({&a}));
    REQUIRE(eventually([&] {
        return a.records(identity, "profile") == b.records(identity, "profile") &&
               b.processor_count("bridge", "applied") + b.processor_count("bridge", "stale") == 1;
    }));
    extra_rounds();
    CHECK(a.records(identity, "profile") == b.records(identity, "profile"));
    CHECK(b.records(identity, "profile").count("old") == 0);  // the deletion removed what it had seen
}
