// The synclatch CLI as users run it, against the real server process: commands, --json, exit codes,
// conflicts, tail, and kill -9 in the middle of a sync followed by a rerun.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/child_process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/core/local_store.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The CLI as a user runs it.
ProcessOutput run_cli(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> command{SYNCLATCH_CLI_BINARY};
    command.insert(command.end(), args.begin(), args.end());
    return run_process(command, std::chrono::seconds(60), input);
}

struct CliWorld {
    TempDir dir;
    ServerProcess server{dir.file("server"),
                         {"--auth", "sigv4", "--admin-key", "ADMIN:admin-secret", "--max-records-per-dataset",
                          "100000", "--max-bytes-per-dataset", "100000000"}};
    std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());

    // A device: its own data folder; the first one gets a Cognito identity, the others act for it.
    std::vector<std::string> device(const std::string& name, const std::string& identity = "") {
        std::vector<std::string> args = {"--endpoint", endpoint, "--data", dir.file(name)};
        if (!identity.empty()) {
            args.insert(args.end(), {"--admin-key", "ADMIN:admin-secret", "--identity", identity});
        }
        return args;
    }

    ProcessOutput run(std::vector<std::string> args, const std::vector<std::string>& command,
                      const std::string& input = "") {
        args.insert(args.end(), command.begin(), command.end());
        auto result = run_cli(args, input);
        UNSCOPED_INFO("synclatch " << command.front() << " -> " << result.exit_code
                                   << "\nstdout: " << result.out << "\nstderr: " << result.err);
        return result;
    }

    std::string identity_of(const std::vector<std::string>& device_args) {
        auto result = run(device_args, {"--json", "identity"});
        REQUIRE(result.exit_code == 0);
        return json::parse(result.out).at("identityId");
    }
};

}  // namespace

TEST_CASE_METHOD(CliWorld, "CLI: put and sync on one device, get on another", "[cli]") {
    auto a = device("a");
    CHECK(run(a, {"put", "things", "greeting", "hello wörld"}).exit_code == 0);
    CHECK(run(a, {"put", "things", "gone", "soon"}).exit_code == 0);
    CHECK(run(a, {"rm", "things", "gone"}).exit_code == 0);
    auto synced = run(a, {"--json", "sync"});
    REQUIRE(synced.exit_code == 0);
    auto results = json::parse(synced.out);
    REQUIRE(results.size() == 1);
    CHECK(results[0]["dataset"] == "things");
    CHECK(results[0]["pushed"] == 2);

    auto b = device("b", identity_of(a));
    REQUIRE(run(b, {"sync", "things"}).exit_code == 0);
    auto got = run(b, {"get", "things", "greeting"});
    CHECK(got.exit_code == 0);
    CHECK(got.out == "hello wörld\n");
    CHECK(run(b, {"get", "things", "gone"}).exit_code == 3);
    auto listed = json::parse(run(b, {"--json", "ls", "things"}).out);
    REQUIRE(listed.size() == 2);  // the removal is there as a tombstone
    auto datasets = json::parse(run(b, {"--json", "datasets"}).out);
    REQUIRE(datasets.size() == 1);
    CHECK(datasets[0]["records"] == 1);

    auto noop = json::parse(run(b, {"--json", "sync"}).out);
    CHECK(noop[0]["requests"] == 1);
}

TEST_CASE_METHOD(CliWorld,
                 "CLI: exit codes tell usage, missing keys, unreachable servers and refused credentials",
                 "[cli]") {
    auto a = device("a");
    CHECK(run(a, {"frobnicate"}).exit_code == 2);
    CHECK(run(a, {"put", "things"}).exit_code == 2);
    CHECK(run(a, {"get", "things", "nothing"}).exit_code == 3);
    CHECK(run(a, {"put", "bad/name", "k", "v"}).exit_code == 1);
    auto unreachable =
        run({"--endpoint", "http://127.0.0.1:1", "--data", dir.file("a")}, {"--json", "sync", "things"});
    CHECK(unreachable.exit_code == 5);
    CHECK(json::parse(unreachable.out)[0]["error"]["retryable"] == true);
    const auto identity = identity_of(a);
    auto refused = run({"--endpoint", endpoint, "--data", dir.file("c"), "--admin-key", "ADMIN:wrong",
                        "--identity", identity},
                       {"sync", "things"});
    CHECK(refused.exit_code == 6);
    CHECK(run(a, {"--help"}).exit_code == 0);
}

TEST_CASE_METHOD(CliWorld, "CLI: import with a bad line in the middle stores nothing and says which line",
                 "[cli]") {
    auto a = device("a");
    REQUIRE(run(a, {"put", "things", "kept", "before"}).exit_code == 0);
    const auto write_file = [&](const std::string& text) {
        const auto path = dir.file("import.json");
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        return path;
    };
    const auto stored = [&] { return json::parse(run(a, {"--json", "ls", "things"}).out); };
    const auto only_kept = [&] {
        const auto records = stored();
        REQUIRE(records.size() == 1);
        CHECK(records[0]["key"] == "kept");
        CHECK(records[0]["value"] == "before");
        CHECK(run(a, {"get", "things", "a"}).exit_code == 3);
    };

    // Each input writes a (line 2) and removes kept (line 3) before a bad line 4.
    auto number = run(a, {"import", "things",
                          write_file("{\n  \"a\": \"1\",\n  \"kept\": null,\n  \"b\": 2,\n"
                                     "  \"c\": \"3\"\n}\n")});
    CHECK(number.exit_code == 1);
    CHECK_THAT(number.err,
               Catch::Contains("import.json line 4: the value of 'b' is a number, not a string or "
                               "null; nothing was imported"));
    only_kept();

    // An empty key the store refuses, as a removal: before, the values were written and then it failed.
    auto empty_key = run(a, {"--json", "import", "things", "-"},
                         "{\n  \"a\": \"1\",\n  \"kept\": null,\n  \"\": null,\n  \"c\": \"3\"\n}\n");
    CHECK(empty_key.exit_code == 1);
    const auto error = json::parse(empty_key.out)["error"];
    CHECK(error["code"] == "invalid_argument");
    CHECK_THAT(error["message"].get<std::string>(), Catch::StartsWith("standard input line 4: "));
    only_kept();

    // No comma after line 4: the parser finds out at line 5.
    auto broken = run(a, {"import", "things",
                          write_file("{\n  \"a\": \"1\",\n  \"kept\": null,\n  \"b\": \"2\"\n"
                                     "  \"c\": \"3\"\n}\n")});
    CHECK(broken.exit_code == 1);
    CHECK_THAT(broken.err, Catch::Contains("import.json: parse error at line 5"));
    only_kept();

    // Fixed, the same file imports whole: the values written, kept removed (a tombstone to sync).
    auto fixed =
        run(a, {"--json", "import", "things",
                write_file("{\n  \"a\": \"1\",\n  \"kept\": null,\n  \"b\": \"2\",\n  \"c\": \"3\"\n}\n")});
    REQUIRE(fixed.exit_code == 0);
    CHECK(json::parse(fixed.out) == json{{"dataset", "things"}, {"written", 3}, {"removed", 1}});
    const auto records = stored();
    REQUIRE(records.size() == 4);
    CHECK(records[0]["key"] == "a");
    CHECK(records[1]["key"] == "b");
    CHECK(records[2]["key"] == "c");
    CHECK(records[3]["key"] == "kept");
    CHECK(records[3]["value"] == nullptr);
}

TEST_CASE("CLI: a malformed --admin-key is a usage error for every command that takes it", "[cli]") {
    TempDir dir;
    for (const std::string key : {"no-colon", ":secret", "ADMIN:"}) {
        INFO("--admin-key " << key);
        // Accepted, each would go on: tail to an unreachable server (5), replay's dry run and ls to 0.
        const auto with = [&](const std::vector<std::string>& command) {
            std::vector<std::string> args = {"--endpoint", "http://127.0.0.1:1", "--admin-key", key};
            args.insert(args.end(), command.begin(), command.end());
            return run_cli(args);
        };
        const auto tail = with({"tail", "events"});
        CHECK(tail.exit_code == 2);
        CHECK_THAT(tail.err, Catch::Contains("--admin-key must be ACCESS:SECRET"));
        CHECK(with({"replay", "--from", dir.path().string()}).exit_code == 2);
        CHECK(with({"--data", dir.file("a"), "--identity", "us-east-1:00000000-0000-0000-0000-000000000001",
                    "ls", "things"})
                  .exit_code == 2);
    }
}

TEST_CASE_METHOD(CliWorld, "CLI: conflicts are shown (exit 4), then resolved with --resolve", "[cli]") {
    auto a = device("a");
    REQUIRE(run(a, {"put", "things", "k", "base"}).exit_code == 0);
    REQUIRE(run(a, {"sync"}).exit_code == 0);
    auto b = device("b", identity_of(a));
    REQUIRE(run(b, {"sync", "things"}).exit_code == 0);
    REQUIRE(run(a, {"put", "things", "k", "from a"}).exit_code == 0);
    REQUIRE(run(a, {"sync"}).exit_code == 0);
    REQUIRE(run(b, {"put", "things", "k", "from b"}).exit_code == 0);

    auto shown = run(b, {"--json", "conflicts", "things"});
    CHECK(shown.exit_code == 4);
    auto found = json::parse(shown.out);
    REQUIRE(found["conflicts"].size() == 1);
    CHECK(found["conflicts"][0]["local"]["value"] == "from b");
    CHECK(found["conflicts"][0]["remote"]["value"] == "from a");
    CHECK(run(b, {"get", "things", "k"}).out == "from b\n");  // shown, not settled

    CHECK(run(b, {"conflicts", "things", "--resolve", "local"}).exit_code == 0);
    REQUIRE(run(a, {"sync"}).exit_code == 0);
    CHECK(run(a, {"get", "things", "k"}).out == "from b\n");
    CHECK(run(b, {"conflicts", "things"}).exit_code == 0);
}

TEST_CASE_METHOD(CliWorld, "CLI: tail prints the change events of synced writes", "[cli]") {
    auto a = device("a");
    REQUIRE(run(a, {"put", "things", "k", "v"}).exit_code == 0);
    REQUIRE(run(a, {"sync"}).exit_code == 0);
    auto tailed = run({"--endpoint", endpoint, "--admin-key", "ADMIN:admin-secret"},
                      {"--json", "tail", "dataset-changes", "--count", "1"});
    REQUIRE(tailed.exit_code == 0);
    auto record = json::parse(tailed.out);
    CHECK(record["Data"]["datasetName"] == "things");
    CHECK(record["Data"]["kinesisSyncRecords"][0]["value"] == "v");
    CHECK(run({"--endpoint", endpoint}, {"tail", "dataset-changes"}).exit_code == 2);  // no credentials
}

TEST_CASE_METHOD(CliWorld,
                 "CLI: kill -9 in the middle of a sync, then a rerun: no edit lost, devices converge",
                 "[cli][crash]") {
    constexpr int kRecords = 20'000;
    auto a = device("a");
    const auto identity = identity_of(a);
    json values = json::object();
    for (int i = 0; i < kRecords; ++i)
        values["key-" + std::to_string(i)] = "value-" + std::to_string(i) + std::string(90, '.');
    REQUIRE(run(a, {"import", "things", "-"}, values.dump()).exit_code == 0);

    auto pending = [&] {
        synclatch::core::StoreOptions options;
        options.path = dir.file("a") + "/synclatch.db";
        auto store = synclatch::core::LocalStore::open(options).value();
        return store->open_or_create_dataset("things").value().modified_records().value().size();
    };
    bool caught_mid_push = false;
    int kills = 0;
    for (int round = 1; round <= 40; ++round) {
        auto args = a;
        args.insert(args.begin(), SYNCLATCH_CLI_BINARY);
        args.push_back("sync");
        const pid_t pid = start_process(args);
        // Later and later kills, up to 5.8 s in: a slow machine (a sanitizer build under load) takes
        // seconds to start pushing, a fast one a fraction of a second.
        std::this_thread::sleep_for(std::chrono::milliseconds(25 * round + 3 * round * round));
        kill_process(pid);
        ++kills;
        const auto left = pending();
        caught_mid_push = caught_mid_push || (left > 1 && left < static_cast<std::size_t>(kRecords));
        if (left == 0) break;  // that sync finished before the kill
        // An edit made between crashes must survive too.
        const std::string key = "key-" + std::to_string(round);
        values[key] = "edited after kill " + std::to_string(round);
        REQUIRE(run(a, {"put", "things", key, values[key]}).exit_code == 0);
    }
    INFO("kills: " << kills);
    CHECK(caught_mid_push);
    REQUIRE(run(a, {"sync"}).exit_code == 0);
    CHECK(pending() == 0);

    auto b = device("b", identity);
    REQUIRE(run(b, {"sync", "things"}).exit_code == 0);
    for (const auto* device_args : {&a, &b}) {
        auto listed = json::parse(run(*device_args, {"--json", "ls", "things"}).out);
        REQUIRE(listed.size() == static_cast<std::size_t>(kRecords));
        std::size_t matching = 0;
        for (const auto& record : listed)
            matching += record["value"] == values[record["key"].get<std::string>()] ? 1 : 0;
        CHECK(matching == static_cast<std::size_t>(kRecords));
    }
}
