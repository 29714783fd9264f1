// `synclatch-server import-cognito` against a second synclatch-server playing AWS: the source is filled
// through the Cognito APIs (guests and a developer-authenticated user, updates, removals, a conflict, a
// deleted dataset), then serves the import with SigV4 and a developer key as AWS would. The target must
// then answer every read exactly as the source does, take the same users back under the same identities,
// and carry on from the imported sync counts; a second run copies only what changed at the source, and a
// dataset written on the target since its import is left alone and reported.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/test_login_provider.hpp"
#include "support/test_store.hpp"
#include "synclatch/platform/beast_http_client.hpp"

using namespace synclatch::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr const char* kDeveloperProvider = "login.import.test";
// The source's developer key, as --admin-key and as the import's environment has it.
constexpr const char* kAdminKey = "AKIDIMPORTTEST:import-test-secret";
constexpr const char* kAccessKeyVariable = "AWS_ACCESS_KEY_ID=AKIDIMPORTTEST";
constexpr const char* kSecretKeyVariable = "AWS_SECRET_ACCESS_KEY=import-test-secret";

// A source or target server on its data folder: open (--auth none) to fill and read it, or, as AWS
// would be for the import, with SigV4 and the developer key.
std::vector<std::string> open_server() {
    return {"--auth", "none", "--developer-provider", kDeveloperProvider};
}
std::vector<std::string> signed_server() {
    return {"--admin-key", kAdminKey, "--developer-provider", kDeveloperProvider};
}

std::vector<std::string> import_args(unsigned short source_port, const std::string& target_data,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"/usr/bin/env",
                                     kAccessKeyVariable,
                                     kSecretKeyVariable,
                                     SYNCLATCH_SERVER_BINARY,
                                     "import-cognito",
                                     "--pool",
                                     kTestPool,
                                     "--data",
                                     target_data,
                                     "--endpoint",
                                     "http://127.0.0.1:" + std::to_string(source_port),
                                     "--requests-per-second",
                                     "10000",
                                     "--quiet"};
    if (const std::string store = test_store_for(target_data); !store.empty()) {
        args.push_back("--store");
        args.push_back(store);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

ProcessOutput run_import(unsigned short source_port, const std::string& target_data,
                         std::vector<std::string> extra = {}) {
    auto output = run_process(import_args(source_port, target_data, std::move(extra)), 120s);
    UNSCOPED_INFO("import-cognito exit " << output.exit_code << "\nstdout:\n"
                                         << output.out << "\nstderr:\n"
                                         << output.err);
    return output;
}

std::string guest(HttpClient& client) {
    auto answer = client.identity("GetId", {{"IdentityPoolId", kTestPool}});
    REQUIRE(answer.status == 200);
    return answer.json().at("IdentityId");
}

std::string developer_user(HttpClient& client, const std::string& user) {
    auto answer = client.identity("GetOpenIdTokenForDeveloperIdentity",
                                  {{"IdentityPoolId", kTestPool}, {"Logins", {{kDeveloperProvider, user}}}});
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    return answer.json().at("IdentityId");
}

// UpdateRecords with patches {op, key, value (or null), sync count}; the status.
unsigned patch(
    HttpClient& client, const std::string& identity, const std::string& dataset,
    const std::vector<std::tuple<std::string, std::string, std::optional<std::string>, int>>& patches) {
    auto listed = client.send("GET", dataset_path(identity, dataset) + "/records");
    REQUIRE(listed.status == 200);
    json body = {{"SyncSessionToken", listed.json().at("SyncSessionToken")},
                 {"RecordPatches", json::array()}};
    for (const auto& [op, key, value, count] : patches) {
        json one = {{"Op", op}, {"Key", key}, {"SyncCount", count}};
        if (value) one["Value"] = *value;
        body["RecordPatches"].push_back(one);
    }
    return client.send("POST", dataset_path(identity, dataset), body.dump()).status;
}

// Everything a device can read of an identity: its description and each dataset's with every record.
json everything_of(HttpClient& client, const std::string& identity) {
    json all;
    auto described = client.identity("DescribeIdentity", {{"IdentityId", identity}});
    REQUIRE(described.status == 200);
    all["identity"] = described.json();
    auto datasets = client.send("GET", "/identitypools/" + encode_path_segment(kTestPool) + "/identities/" +
                                           encode_path_segment(identity) + "/datasets");
    REQUIRE(datasets.status == 200);
    all["datasets"] = datasets.json().at("Datasets");
    for (const auto& dataset : all["datasets"]) {
        const std::string name = dataset.at("DatasetName");
        auto records = client.send("GET", dataset_path(identity, name) + "/records");
        REQUIRE(records.status == 200);
        json answer = records.json();
        answer.erase("SyncSessionToken");  // signed per server: not the data
        all["records"][name] = answer;
    }
    return all;
}

struct FilledSource {
    std::vector<std::string> identities;  // guests, then the developer user's
    std::string ann;                      // the developer user's identity
};

FilledSource fill(HttpClient& client) {
    FilledSource filled;
    for (int i = 0; i < 3; ++i)
        filled.identities.push_back(guest(client));
    filled.ann = developer_user(client, "ann");
    filled.identities.push_back(filled.ann);
    const auto& g = filled.identities;

    REQUIRE(patch(client, g[0], "settings",
                  {{"replace", "theme", "dark", 0}, {"replace", "font", "serif", 0}}) == 200);
    REQUIRE(patch(client, g[0], "settings", {{"replace", "theme", "light", 1}}) == 200);
    REQUIRE(patch(client, g[0], "settings", {{"remove", "font", std::nullopt, 1}}) == 200);
    // A second device's stale write is refused, then made on top of the first one's.
    REQUIRE(patch(client, g[0], "settings", {{"replace", "theme", "blue", 1}}) == 409);
    REQUIRE(patch(client, g[0], "settings", {{"replace", "theme", "blue", 2}}) == 200);
    REQUIRE(patch(client, g[1], "notes",
                  {{"replace", "n1", std::string(2000, 'x'), 0}, {"replace", "n2", "", 0}}) == 200);
    REQUIRE(patch(client, g[1], "drafts", {{"replace", "d1", "gone soon", 0}}) == 200);
    REQUIRE(client.send("DELETE", dataset_path(g[1], "drafts")).status == 200);
    REQUIRE(patch(client, filled.ann, "profile",
                  {{"replace", "name", "Ann", 0}, {"replace", "city", "Oslo", 0}}) == 200);
    // g[2] holds nothing: an identity without datasets comes along all the same.
    return filled;
}

// A source server's data folder, filled (fill()) by a server run for the purpose.
FilledSource fill_source(const std::string& data) {
    ServerProcess source(data, open_server());
    HttpClient client(source.port());
    FilledSource filled = fill(client);
    REQUIRE(source.terminate() != -1);
    return filled;
}

// Stands between the import and its source as AWS's throttling would: passes requests on, but answers a
// random share of them TooManyRequestsException or LimitExceededException instead. Counts what it passed
// on, and calls a test's hook at a given count.
class ThrottlingProxy {
  public:
    ThrottlingProxy(unsigned short source_port, double throttled_share)
        : source_(synclatch::platform::open_http_client(
                      synclatch::sync::Endpoint{false, "127.0.0.1", source_port}, {})
                      .value()),
          share_(throttled_share) {
        server_.set_handler([this](const TestHttpRequest& request) { return answer(request); });
    }

    unsigned short port() const { return server_.port(); }
    // Blocks until the n-th ListIdentities call (all runs counted) has been passed on.
    void wait_for_identity_page(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 60s, [&] { return pages_ >= n; });
        REQUIRE(pages_ >= n);
    }
    // Blocks until `count` more requests have been passed on since the call.
    void wait_for_requests(int count) {
        std::unique_lock lock(mutex_);
        const int until = passed_ + count;
        changed_.wait_for(lock, 60s, [&] { return passed_ >= until; });
        REQUIRE(passed_ >= until);
    }
    int throttled() const {
        std::lock_guard lock(mutex_);
        return throttled_;
    }

  private:
    TestHttpReply answer(const TestHttpRequest& request) {
        {
            std::lock_guard lock(mutex_);
            if (std::uniform_real_distribution<>(0, 1)(random_) < share_) {
                ++throttled_;
                const char* type =
                    throttled_ % 2 == 0 ? "TooManyRequestsException" : "LimitExceededException";
                return {400,
                        {{"x-amzn-ErrorType", type}, {"Content-Type", "application/x-amz-json-1.1"}},
                        json{{"__type", type}, {"message", "Rate exceeded"}}.dump()};
            }
        }
        synclatch::sync::HttpRequest forwarded{request.method, request.target, {}, request.body};
        for (const auto& [name, value] : request.headers) {
            if (name == "Content-Length" || name == "Connection" || name == "User-Agent") continue;
            forwarded.headers.emplace_back(name, value);
        }
        auto reply = source_->send(forwarded, 30s);
        if (!reply.ok()) return {502, {}, reply.status().to_string()};
        {
            std::lock_guard lock(mutex_);
            ++passed_;
            if (request.header("X-Amz-Target") == "AWSCognitoIdentityService.ListIdentities") ++pages_;
        }
        changed_.notify_all();
        TestHttpReply out{static_cast<unsigned>(reply->status), {}, reply->body};
        for (const auto& [name, value] : reply->headers) {
            if (name == "Content-Type" || name == "x-amzn-ErrorType") out.headers.emplace_back(name, value);
        }
        return out;
    }

    std::unique_ptr<synclatch::sync::HttpClient> source_;
    const double share_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::mt19937 random_{20261207};
    int passed_ = 0;         // guarded by mutex_
    int pages_ = 0;          // guarded by mutex_
    int throttled_ = 0;      // guarded by mutex_
    TestHttpServer server_;  // last: stopped first, while the rest still lives
};

}  // namespace

TEST_CASE("Import: a pool copied from a Cognito Sync endpoint reads the same, and its users carry on",
          "[integration][import]") {
    TempDir dir;
    const std::string source_data = dir.file("source");
    const std::string target_data = dir.file("target");
    const FilledSource filled = fill_source(source_data);
    const std::string pool_path = "/identitypools/" + encode_path_segment(kTestPool);
    const json configuration = {{"PushSync",
                                 {{"ApplicationArns", {"arn:aws:sns:us-east-1:123456789012:app/GCM/example"}},
                                  {"RoleArn", "arn:aws:iam::123456789012:role/push"}}},
                                {"CognitoStreams",
                                 {{"StreamName", "changes"},
                                  {"RoleArn", "arn:aws:iam::123456789012:role/streams"},
                                  {"StreamingStatus", "ENABLED"}}}};
    json source_configuration;
    {
        // The pool's configuration, and a SyncTrigger (set last: it would run on the writes above).
        ServerProcess source(source_data, open_server());
        HttpClient client(source.port());
        auto stored = client.send("POST", pool_path + "/configuration", configuration.dump());
        REQUIRE(stored.status == 200);
        source_configuration = stored.json();
        REQUIRE(client
                    .send("POST", pool_path + "/events",
                          json{{"Events", {{"SyncTrigger", "http://127.0.0.1:9/sync-trigger"}}}}.dump())
                    .status == 200);
        REQUIRE(source.terminate() != -1);
    }
    {
        ServerProcess source(source_data, signed_server());
        // A dry run counts and writes nothing.
        const auto dry = run_import(source.port(), target_data, {"--dry-run"});
        REQUIRE(dry.exit_code == 0);
        CHECK_THAT(dry.out,
                   Catch::Contains("dry run: 4 identities, 3 datasets (to copy 3, unchanged 0, removed 0)"));
        const auto imported = run_import(source.port(), target_data);
        REQUIRE(imported.exit_code == 0);
        CHECK_THAT(imported.out,
                   Catch::Contains("import: 4 identities, 3 datasets (copied 3, unchanged 0, removed 0)"));
        CHECK_THAT(imported.out,
                   Catch::Contains("Cognito Event SyncTrigger (http://127.0.0.1:9/sync-trigger) was "
                                   "not imported"));
        CHECK_THAT(imported.out, Catch::Contains("verified: 4 identities, 3 datasets"));
        CHECK_THAT(imported.out, Catch::Contains("; 0 differences"));
        // Again: nothing moved at the source, nothing is copied.
        const auto again = run_import(source.port(), target_data);
        REQUIRE(again.exit_code == 0);
        CHECK_THAT(again.out, Catch::Contains("(copied 0, unchanged 3, removed 0)"));
        // Without the developer key the source refuses, and the import says so.
        auto refused = run_process(
            {"/usr/bin/env", "AWS_ACCESS_KEY_ID=AKIDWRONG", "AWS_SECRET_ACCESS_KEY=nope",
             SYNCLATCH_SERVER_BINARY, "import-cognito", "--pool", kTestPool, "--data", dir.file("unused"),
             "--endpoint", "http://127.0.0.1:" + std::to_string(source.port()), "--quiet"},
            60s);
        CHECK(refused.exit_code == 1);
        CHECK_THAT(refused.err, Catch::Contains("DescribeIdentityPool"));
        REQUIRE(source.terminate() != -1);
    }

    ServerProcess source(source_data, open_server());
    ServerProcess target(target_data, open_server());
    HttpClient from(source.port());
    HttpClient to(target.port());
    for (const auto& identity : filled.identities) {
        INFO(identity);
        CHECK(everything_of(to, identity) == everything_of(from, identity));
    }
    CHECK(to.send("GET", pool_path + "/configuration").json() == source_configuration);
    CHECK(to.send("GET", pool_path + "/events").json() == json{{"Events", json::object()}});
    // The developer's user is the same identity; a guest's cached id gets credentials.
    CHECK(developer_user(to, "ann") == filled.ann);
    auto credentials = to.identity("GetCredentialsForIdentity", {{"IdentityId", filled.identities[0]}});
    REQUIRE(credentials.status == 200);
    CHECK(credentials.json().at("IdentityId") == filled.identities[0]);
    // A device that synced up to sync count 4 carries on from there.
    CHECK(patch(to, filled.identities[0], "settings", {{"replace", "theme", "green", 3}}) == 409);
    CHECK(patch(to, filled.identities[0], "settings", {{"replace", "theme", "green", 4}}) == 200);
    auto after = to.send("GET", dataset_path(filled.identities[0], "settings") + "/records?lastSyncCount=4");
    REQUIRE(after.status == 200);
    CHECK(after.json().at("DatasetSyncCount") == 5);
    REQUIRE(after.json().at("Records").size() == 1);
    CHECK(after.json().at("Records")[0].at("Value") == "green");
}

TEST_CASE(
    "Import: a catch-up run copies exactly what changed at the source, never over a write on the target",
    "[integration][import]") {
    TempDir dir;
    const std::string source_data = dir.file("source");
    const std::string target_data = dir.file("target");
    const FilledSource filled = fill_source(source_data);
    {
        ServerProcess source(source_data, signed_server());
        REQUIRE(run_import(source.port(), target_data).exit_code == 0);
        REQUIRE(source.terminate() != -1);
    }
    const auto& g = filled.identities;
    json target_settings;
    {
        // At the source: a new dataset, a changed one and a deleted one; on the target: a write to a
        // dataset that the source changes too.
        ServerProcess source(source_data, open_server());
        ServerProcess target(target_data, open_server());
        HttpClient from(source.port());
        HttpClient to(target.port());
        REQUIRE(patch(from, g[2], "fresh", {{"replace", "k", "v", 0}}) == 200);
        REQUIRE(patch(from, filled.ann, "profile", {{"replace", "city", "Bergen", 1}}) == 200);
        REQUIRE(from.send("DELETE", dataset_path(g[1], "notes")).status == 200);
        REQUIRE(patch(from, g[0], "settings", {{"replace", "theme", "red", 4}}) == 200);
        REQUIRE(patch(to, g[0], "settings", {{"replace", "theme", "mauve", 4}}) == 200);
        target_settings = everything_of(to, g[0]);
        REQUIRE(source.terminate() != -1);
        REQUIRE(target.terminate() != -1);
    }
    {
        ServerProcess source(source_data, signed_server());
        const auto caught_up = run_import(source.port(), target_data);
        CHECK(caught_up.exit_code == 1);  // the dataset left alone shows as a difference
        CHECK_THAT(caught_up.out, Catch::Contains("(copied 2, unchanged 0, removed 1)"));
        CHECK_THAT(caught_up.out, Catch::Contains("left as it was: dataset settings of " + g[0]));
        CHECK_THAT(caught_up.out, Catch::Contains("difference: " + g[0] + " dataset settings"));
        CHECK_THAT(caught_up.out, Catch::Contains("; 1 differences"));
        REQUIRE(source.terminate() != -1);
    }
    ServerProcess source(source_data, open_server());
    ServerProcess target(target_data, open_server());
    HttpClient from(source.port());
    HttpClient to(target.port());
    for (std::size_t i = 1; i < g.size(); ++i) {
        INFO(g[i]);
        CHECK(everything_of(to, g[i]) == everything_of(from, g[i]));
    }
    CHECK(everything_of(to, g[0]) == target_settings);
}

TEST_CASE(
    "Import: throttled at random and killed twice midway, the import resumes and verifies without a "
    "difference",
    "[integration][import]") {
    TempDir dir;
    const std::string source_data = dir.file("source");
    const std::string target_data = dir.file("target");
    std::vector<std::string> identities;
    {
        ServerProcess source(source_data, {"--auth", "none", "--new-identities-per-minute-per-address", "0",
                                           "--new-identities-per-second", "0"});
        HttpClient client(source.port());
        // 150 identities: three pages of ListIdentities, each identity one or two datasets.
        for (int i = 0; i < 150; ++i) {
            identities.push_back(guest(client));
            const auto& id = identities.back();
            REQUIRE(patch(client, id, "d",
                          {{"replace", "a", "1", 0}, {"replace", "b", std::to_string(i), 0}}) == 200);
            if (i % 3 == 0) {
                REQUIRE(patch(client, id, "e", {{"replace", "x", "y", 0}}) == 200);
                REQUIRE(patch(client, id, "e", {{"remove", "x", std::nullopt, 1}}) == 200);
            }
        }
        REQUIRE(source.terminate() != -1);
    }
    ServerProcess source(source_data, signed_server());
    ThrottlingProxy proxy(source.port(), 0.15);
    const auto args = import_args(proxy.port(), target_data, {"--first-retry-ms", "5"});
    // Killed twice amid its writes: the first run in the second page of identities (60 a page), the second,
    // which takes up there, in the third.
    for (const int page : {2, 4}) {
        const pid_t pid = start_process(args);
        proxy.wait_for_identity_page(page);
        proxy.wait_for_requests(20);
        kill_process(pid);
    }
    const auto finished = run_import(proxy.port(), target_data, {"--first-retry-ms", "5"});
    CHECK(finished.exit_code == 0);
    CHECK_THAT(finished.out, Catch::Contains("resumed the run that was stopped after 120 identities"));
    CHECK_THAT(finished.out, Catch::Contains("verified: 150 identities, 200 datasets"));
    CHECK_THAT(finished.out, Catch::Contains("; 0 differences"));
    CHECK(proxy.throttled() > 20);
    // And the target reads as the source does, identity by identity.
    REQUIRE(source.terminate() != -1);
    ServerProcess source_again(source_data, open_server());
    ServerProcess target(target_data, open_server());
    HttpClient from(source_again.port());
    HttpClient to(target.port());
    for (const auto& id : identities) {
        INFO(id);
        CHECK(everything_of(to, id) == everything_of(from, id));
    }
}

TEST_CASE(
    "Import: a social login comes over as its provider only, linked on first use where the server allows it",
    "[integration][import]") {
    TempDir dir;
    const std::string source_data = dir.file("source");
    const std::string target_data = dir.file("target");
    TestLoginProvider provider(dir.file("jwks.json"), "import-test");
    const auto with_provider = [&](std::vector<std::string> args) {
        for (auto& arg : provider.server_args())
            args.push_back(std::move(arg));
        return args;
    };
    std::string alice;
    {
        ServerProcess source(source_data, with_provider(open_server()));
        HttpClient client(source.port());
        auto signed_in =
            client.identity("GetId", {{"IdentityPoolId", kTestPool}, {"Logins", provider.logins("alice")}});
        REQUIRE(signed_in.status == 200);
        alice = signed_in.json().at("IdentityId");
        REQUIRE(patch(client, alice, "profile", {{"replace", "name", "Alice", 0}}) == 200);
        REQUIRE(source.terminate() != -1);
    }
    {
        ServerProcess source(source_data, with_provider(signed_server()));
        const auto imported = run_import(source.port(), target_data);
        REQUIRE(imported.exit_code == 0);
        CHECK_THAT(imported.out,
                   Catch::Contains("identities with logins of accounts.example.com were imported "
                                   "without them"));
        REQUIRE(source.terminate() != -1);
    }
    const json alice_login = {{"IdentityId", alice}, {"Logins", provider.logins("alice")}};
    {
        // Off by default: the identity is no guest, and its provider's token is not linked.
        ServerProcess target(target_data, with_provider(open_server()));
        HttpClient client(target.port());
        auto described = client.identity("DescribeIdentity", {{"IdentityId", alice}});
        REQUIRE(described.status == 200);
        CHECK(described.json().at("Logins") == json::array({TestLoginProvider::kName}));
        auto as_guest = client.identity("GetCredentialsForIdentity", {{"IdentityId", alice}});
        CHECK(as_guest.error_type == "NotAuthorizedException");
        auto refused = client.identity("GetCredentialsForIdentity", alice_login);
        CHECK(refused.error_type == "NotAuthorizedException");
        CHECK_THAT(refused.body, Catch::Contains("--link-imported-logins"));
        REQUIRE(target.terminate() != -1);
    }
    // Restarted with the option on: the first valid token presented with the identity's id is linked.
    ServerProcess allowing(target_data, with_provider([] {
                               auto args = open_server();
                               args.push_back("--link-imported-logins");
                               return args;
                           }()));
    HttpClient client(allowing.port());
    auto as_guest = client.identity("GetCredentialsForIdentity", {{"IdentityId", alice}});
    CHECK(as_guest.error_type == "NotAuthorizedException");
    auto linked = client.identity("GetCredentialsForIdentity", alice_login);
    INFO(linked.body);
    REQUIRE(linked.status == 200);
    CHECK(linked.json().at("IdentityId") == alice);
    // From then on it is alice's: GetId with her token finds it, and another user of the provider cannot
    // take it.
    auto found =
        client.identity("GetId", {{"IdentityPoolId", kTestPool}, {"Logins", provider.logins("alice")}});
    REQUIRE(found.status == 200);
    CHECK(found.json().at("IdentityId") == alice);
    auto bob = client.identity("GetCredentialsForIdentity",
                               {{"IdentityId", alice}, {"Logins", provider.logins("bob")}});
    CHECK(bob.error_type == "NotAuthorizedException");
    auto records = client.send("GET", dataset_path(alice, "profile") + "/records");
    REQUIRE(records.status == 200);
    CHECK(records.json().at("Records")[0].at("Value") == "Alice");
}
