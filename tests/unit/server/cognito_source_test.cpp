// CognitoSource against scripted answers: what it sends (signed, paced), how it waits and retries when
// throttled or failing, when it gives up, and how it refuses malformed answers. And the developer
// credentials it signs with, found as the AWS CLI finds them.
#include "import/cognito_source.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <fstream>
#include <map>

#include "import/aws_credentials.hpp"
#include "import/cognito_import.hpp"
#include "support/temp_dir.hpp"
#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using json = nlohmann::json;

namespace {

constexpr const char* kPool = "eu-west-1:11111111-1111-4111-8111-111111111111";

sync::HttpResponse answer(int status, const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    return sync::HttpResponse{status, std::move(headers), body};
}

sync::HttpResponse aws_error(int status, const std::string& type) {
    return answer(status, json{{"__type", type}, {"message", "slow down"}}.dump(),
                  {{"x-amzn-ErrorType", type}});
}

// Answers from a script, in order, and keeps what it was sent.
class ScriptedHttp final : public sync::HttpClient {
  public:
    std::deque<Result<sync::HttpResponse>> script;
    std::vector<sync::HttpRequest> sent;

    Result<sync::HttpResponse> send(const sync::HttpRequest& request, std::chrono::milliseconds) override {
        sent.push_back(request);
        if (script.empty()) return Status{Errc::internal, "the script ran out"};
        auto next = std::move(script.front());
        script.pop_front();
        return next;
    }
};

std::string header(const sync::HttpRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers)
        if (key == name) return value;
    return "";
}

struct Fixture {
    ScriptedHttp http;
    std::vector<std::chrono::milliseconds> sleeps;
    bool stop = false;
    std::function<void()> on_sleep;

    CognitoSource source(int max_attempts = 4, double rate = 0) {
        CognitoSourceOptions options;
        options.pool_id = kPool;
        options.identity_endpoint = sync::Endpoint{false, "identity.test", 80};
        options.sync_endpoint = sync::Endpoint{false, "sync.test", 80};
        options.credentials = {"AKIDTEST", "secret", "session"};
        options.requests_per_second = rate;
        options.max_attempts = max_attempts;
        options.clock = [] { return std::int64_t{1'700'000'000'000}; };
        options.sleep = [this](std::chrono::milliseconds d) {
            sleeps.push_back(d);
            if (on_sleep) on_sleep();
        };
        options.stop_requested = [this] { return stop; };
        return CognitoSource(http, http, options);
    }
};

}  // namespace

TEST_CASE(
    "Cognito source: identity calls are signed JSON 1.1 for cognito-identity, sync calls for cognito-sync",
    "[import]") {
    Fixture f;
    auto source = f.source();
    f.http.script.push_back(answer(200, json{{"Identities",
                                              {{{"IdentityId", "eu-west-1:a"},
                                                {"Logins", {"graph.facebook.com"}},
                                                {"CreationDate", 1.5},
                                                {"LastModifiedDate", 2}}}},
                                             {"NextToken", "page-2"}}
                                            .dump()));
    auto page = source.list_identities("");
    REQUIRE(page.ok());
    REQUIRE(page->identities.size() == 1);
    CHECK(page->identities[0].identity_id == "eu-west-1:a");
    CHECK(page->identities[0].login_providers == std::vector<std::string>{"graph.facebook.com"});
    CHECK(page->identities[0].created == 1500);
    CHECK(page->identities[0].last_modified == 2000);
    CHECK(page->next_token == "page-2");
    const auto& listed = f.http.sent.at(0);
    CHECK(listed.method == "POST");
    CHECK(listed.target == "/");
    CHECK(header(listed, "X-Amz-Target") == "AWSCognitoIdentityService.ListIdentities");
    CHECK(header(listed, "Host") == "identity.test");
    CHECK(header(listed, "X-Amz-Security-Token") == "session");
    CHECK_THAT(
        header(listed, "Authorization"),
        Catch::StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/20231114/eu-west-1/cognito-identity/"));
    CHECK(json::parse(listed.body) ==
          json{{"IdentityPoolId", kPool}, {"MaxResults", 60}, {"HideDisabled", false}});

    f.http.script.push_back(answer(200, json{{"Records", json::array()}, {"DatasetSyncCount", 3}}.dump()));
    REQUIRE(source.list_records("eu-west-1:a", "settings", "t/1").ok());
    const auto& records = f.http.sent.at(1);
    CHECK(records.method == "GET");
    CHECK(records.target ==
          "/identitypools/eu-west-1%3A11111111-1111-4111-8111-111111111111/identities/eu-west-1%3Aa/datasets/"
          "settings/records?lastSyncCount=0&maxResults=1024&nextToken=t%2F1");
    CHECK_THAT(header(records, "Authorization"), Catch::Contains("/eu-west-1/cognito-sync/aws4_request"));
}

TEST_CASE("Cognito source: throttling is retried after jittered, growing waits, then succeeds", "[import]") {
    Fixture f;
    auto source = f.source(5);
    f.http.script.push_back(aws_error(400, "TooManyRequestsException"));
    f.http.script.push_back(aws_error(400, "LimitExceededException"));
    f.http.script.push_back(Status{Errc::unavailable, "connection reset"});
    f.http.script.push_back(aws_error(503, "InternalErrorException"));
    f.http.script.push_back(answer(200, json{{"Datasets", json::array()}}.dump()));
    auto datasets = source.list_datasets("eu-west-1:a");
    REQUIRE(datasets.ok());
    CHECK(datasets->empty());
    CHECK(f.http.sent.size() == 5);
    CHECK(source.counters().requests == 5);
    CHECK(source.counters().retried == 4);
    CHECK(source.counters().throttled == 2);
    REQUIRE(f.sleeps.size() == 4);
    // Full jitter: each wait is at most 200 ms doubled per attempt.
    for (std::size_t i = 0; i < f.sleeps.size(); ++i)
        CHECK(f.sleeps[i].count() <= (200 << i));
}

TEST_CASE("Cognito source: it gives up after its attempts, and does not retry what cannot succeed",
          "[import]") {
    Fixture f;
    auto source = f.source(3);
    for (int i = 0; i < 3; ++i)
        f.http.script.push_back(aws_error(400, "TooManyRequestsException"));
    auto throttled = source.pool_configuration();
    REQUIRE_FALSE(throttled.ok());
    CHECK(throttled.status().code() == Errc::throttled);
    CHECK_THAT(throttled.status().message(),
               Catch::StartsWith("GetIdentityPoolConfiguration: TooManyRequestsException"));
    CHECK(f.http.sent.size() == 3);

    f.http.script.push_back(aws_error(400, "NotAuthorizedException"));
    auto refused = source.cognito_events();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Errc::unauthorized);
    CHECK(f.http.sent.size() == 4);  // once
}

TEST_CASE("Cognito source: a stop request ends a call instead of another try", "[import]") {
    Fixture f;
    f.on_sleep = [&] { f.stop = true; };  // the stop comes while it backs off
    auto source = f.source(8);
    f.http.script.push_back(aws_error(400, "TooManyRequestsException"));
    f.http.script.push_back(answer(200, "{}"));
    auto stopped = source.pool_configuration();
    REQUIRE_FALSE(stopped.ok());
    CHECK(stopped.status().code() == Errc::cancelled);
    CHECK(f.http.sent.size() == 1);
}

TEST_CASE("Cognito source: requests are paced to the rate asked for", "[import]") {
    Fixture f;
    auto source = f.source(1, 0.5);  // one request every 2 s
    for (int i = 0; i < 3; ++i)
        f.http.script.push_back(answer(200, "{}"));
    for (int i = 0; i < 3; ++i)
        REQUIRE(source.pool_configuration().ok());
    // The first goes at once; each later one waits for its slot. The scripted sleep does not pass time, so
    // the waits add up: the second's slot is 2 s after the first, the third's 4 s (less the moments the
    // calls themselves took, which the wide margins leave room for on a loaded machine).
    REQUIRE(f.sleeps.size() == 2);
    CHECK(f.sleeps[0].count() > 1000);
    CHECK(f.sleeps[0].count() <= 2000);
    CHECK(f.sleeps[1].count() > 3000);
    CHECK(f.sleeps[1].count() <= 4000);
}

TEST_CASE("Cognito source: malformed answers are refused, naming the operation", "[import]") {
    Fixture f;
    auto source = f.source();
    const std::map<std::string, std::string> bad = {
        {"not json", "[1, 2"},
        {"not an object", "[]"},
        {"identities not a list", R"({"Identities": {}})"},
        {"identity without id", R"({"Identities": [{"Logins": []}]})"},
        {"login not a string", R"({"Identities": [{"IdentityId": "a", "Logins": [1]}]})"},
        {"bad date", R"({"Identities": [{"IdentityId": "a", "CreationDate": "soon"}]})"},
    };
    for (const auto& [why, body] : bad) {
        INFO(why);
        f.http.script.push_back(answer(200, body));
        auto page = source.list_identities("");
        REQUIRE_FALSE(page.ok());
        CHECK(page.status().code() == Errc::invalid_argument);
        CHECK_THAT(page.status().message(), Catch::StartsWith("ListIdentities: "));
    }
}

TEST_CASE("AWS credentials: the environment's keys, else a profile of the shared credentials file",
          "[import]") {
    test::TempDir dir;
    const std::string file = dir.file("credentials");
    std::ofstream(file)
        << "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=s1\n\n"
           "[migration]\naws_access_key_id=AKIDMIGRATION\naws_secret_access_key = s2\n"
           "aws_session_token = t2\n[broken]\naws_access_key_id=AKIDBROKEN\n";
    std::map<std::string, std::string> variables = {{"AWS_SHARED_CREDENTIALS_FILE", file}};
    const Environment environment = [&](const char* name) -> std::optional<std::string> {
        const auto it = variables.find(name);
        return it == variables.end() ? std::nullopt : std::optional(it->second);
    };

    auto found = find_aws_credentials("", environment);
    REQUIRE(found.ok());
    CHECK(found->credentials.access_key_id == "AKIDDEFAULT");
    CHECK(found->credentials.secret_key == "s1");
    CHECK(found->origin == "profile default of " + file);

    variables["AWS_PROFILE"] = "migration";
    found = find_aws_credentials("", environment);
    REQUIRE(found.ok());
    CHECK(found->credentials.session_token == "t2");

    variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    variables["AWS_SECRET_ACCESS_KEY"] = "senv";
    found = find_aws_credentials("", environment);
    REQUIRE(found.ok());
    CHECK(found->credentials.access_key_id == "AKIDENV");
    CHECK(found->origin == "the environment");
    // A profile named on the command line wins over the environment's keys.
    found = find_aws_credentials("default", environment);
    REQUIRE(found.ok());
    CHECK(found->credentials.access_key_id == "AKIDDEFAULT");

    CHECK(find_aws_credentials("broken", environment).status().code() == Errc::invalid_argument);
    CHECK(find_aws_credentials("missing", environment).status().code() == Errc::not_found);
    variables.erase("AWS_SECRET_ACCESS_KEY");
    CHECK(find_aws_credentials("", environment).status().code() == Errc::invalid_argument);
}

TEST_CASE("Cognito import: a source that answers more records than a dataset holds is refused, not held",
          "[import]") {
    Fixture f;
    auto source = f.source();
    test::TestStorageSite site;
    auto store = site.open_or_fail();
    // The pool (its description, configuration, events, usage), one identity with one dataset, and
    // ListRecords pages of 1,024 records that never end.
    f.http.script.push_back(answer(200, json{{"IdentityPoolId", kPool}, {"IdentityPoolName", "p"}}.dump()));
    f.http.script.push_back(answer(200, "{}"));
    f.http.script.push_back(answer(200, json{{"Events", json::object()}}.dump()));
    f.http.script.push_back(answer(200, json{{"IdentityPoolUsage", {{"DataStorage", 1000}}}}.dump()));
    const std::string identity = "eu-west-1:22222222-2222-4222-8222-222222222222";
    f.http.script.push_back(answer(200, json{{"Identities", {{{"IdentityId", identity}}}}}.dump()));
    f.http.script.push_back(answer(
        200, json{{"Datasets", {{{"DatasetName", "big"}, {"IdentityId", identity}, {"LastModifiedDate", 5}}}}}
                 .dump()));
    json page = {{"Records", json::array()}, {"DatasetSyncCount", 1}, {"NextToken", "more"}};
    for (int r = 0; r < 1024; ++r)
        page["Records"].push_back({{"Key", "k" + std::to_string(r)}, {"Value", "v"}, {"SyncCount", 1}});
    const std::string endless = page.dump();
    for (int p = 0; p < 200; ++p)
        f.http.script.push_back(answer(200, endless));

    auto report = import_pool(source, *store, {});
    INFO(report.status().to_string());
    REQUIRE(report.ok());
    CHECK(report->finished);
    REQUIRE(report->refused.total == 1);
    CHECK_THAT(report->refused.shown[0], Catch::Contains("more records than a Cognito dataset holds"));
    CHECK(report->totals.datasets_copied == 0);
    // It stopped reading at the bound: 64 pages of 1,024 and one more, not the 200 offered.
    const auto list_records_calls = std::count_if(
        f.http.sent.begin(), f.http.sent.end(),
        [](const auto& request) { return request.target.find("/records?") != std::string::npos; });
    CHECK(list_records_calls == 65);
    // The identity came over; the dataset did not.
    CHECK(store->pool_of(identity).ok());
    auto records = store->list_records(identity, "big", 0, "", 1024);
    REQUIRE(records.ok());
    CHECK_FALSE(records->dataset_exists);
}
