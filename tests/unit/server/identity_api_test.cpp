// IdentityApi's limits on GetCredentialsForIdentity, with injected clocks (the limiters' steady clock and
// the store's epoch clock move together): per address and globally a 429 that stores nothing; per identity
// a bounded number of new sets, then the newest set again.
#include "api/identity_api.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "support/temp_dir.hpp"

using namespace synclatch;
using namespace synclatch::server;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr EpochMillis kHour = 60 * 60 * 1000;

RateLimiterOptions address_limits(double per_second, double burst) {
    RateLimiterOptions o;
    o.per_address.per_second = per_second;
    o.per_address.burst = burst;
    return o;
}

struct IdentityApiFixture {
    explicit IdentityApiFixture(double new_sets_per_hour, RateLimiterOptions per_address = {})
        : credentials(per_address, [this] { return steady; }),
          per_identity(address_limits(new_sets_per_hour / 3600, new_sets_per_hour),
                       [this] { return steady; }) {
        SqliteStorageOptions options;
        options.path = dir.file("server.db");
        options.durable = false;
        store = std::move(SqliteStorage::open(options)).value();
        REQUIRE(store->ensure_pool(kPool, now).ok());
        identity = store->create_identity(kPool, now).value();
        api.emplace(
            *store, [this] { return now; }, kHour, tokens, metrics,
            IdentityLimits{nullptr, &credentials, &per_identity});
    }

    void advance(std::chrono::milliseconds by) {
        steady += by;
        now += by.count();
    }

    HttpResponse get_credentials(const std::string& id, const std::string& address = "192.0.2.1") {
        HttpRequest request(boost::beast::http::verb::post, "/", 11);
        request.body() = json{{"IdentityId", id}}.dump();
        request.prepare_payload();
        const std::string target = "AWSCognitoIdentityService.GetCredentialsForIdentity";
        boost::asio::io_context io;
        std::optional<HttpResponse> answer;
        boost::asio::co_spawn(
            io, api->handle(request, target, ClientInfo{boost::asio::ip::make_address(address)}),
            [&](std::exception_ptr e, HttpResponse response) {
                if (e) std::rethrow_exception(e);
                answer = std::move(response);
            });
        io.run();
        REQUIRE(answer);
        return std::move(*answer);
    }

    // The access key id of a 200 answer ("" for any other).
    std::string key_of(const HttpResponse& answer) {
        if (answer.result_int() != 200) return "";
        return json::parse(answer.body()).at("Credentials").at("AccessKeyId");
    }

    test::TempDir dir;
    std::chrono::steady_clock::time_point steady{};
    EpochMillis now = 1'700'000'000'000;
    std::unique_ptr<SqliteStorage> store;
    std::string identity;
    OpenIdTokens tokens = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    Metrics metrics;
    RateLimiter credentials;
    RateLimiter per_identity;
    std::optional<IdentityApi> api;
};

}  // namespace

TEST_CASE("IdentityApi: an identity gets its share of new credentials, then its newest set again",
          "[server][identity][rate]") {
    IdentityApiFixture f(6);  // 6 at once, then one every 10 minutes
    std::set<std::string> keys;
    for (int i = 0; i < 6; ++i)
        keys.insert(f.key_of(f.get_credentials(f.identity)));
    CHECK(keys.size() == 6);
    // Beyond its share: one of those sets again (they expire together), the same one as often as it asks,
    // and nothing stored.
    const std::string reused = f.key_of(f.get_credentials(f.identity));
    CHECK(keys.contains(reused));
    for (int i = 0; i < 50; ++i)
        CHECK(f.key_of(f.get_credentials(f.identity)) == reused);
    const auto again = json::parse(f.get_credentials(f.identity).body());
    CHECK(again.at("IdentityId") == f.identity);
    CHECK(again.at("Credentials").at("Expiration").get<double>() ==
          static_cast<double>((f.now + kHour) / 1000));

    // One refill interval later, one new set; then that one again.
    f.advance(10min);
    const std::string later = f.key_of(f.get_credentials(f.identity));
    CHECK(keys.insert(later).second);
    CHECK(f.key_of(f.get_credentials(f.identity)) == later);

    // Over three hours of asking every minute, at most the burst plus one set per 10 minutes.
    for (int minute = 0; minute < 180; ++minute) {
        f.advance(1min);
        for (int i = 0; i < 5; ++i)
            keys.insert(f.key_of(f.get_credentials(f.identity)));
    }
    CHECK(keys.size() <= 6 + 1 + 18 + 1);
    CHECK_FALSE(keys.contains(""));  // never refused

    // Another identity has a share of its own.
    const std::string other = f.store->create_identity(kPool, f.now).value();
    CHECK_FALSE(keys.contains(f.key_of(f.get_credentials(other))));
    CHECK(f.per_identity.tracked_addresses() == 2);
}

TEST_CASE("IdentityApi: an identity with no share left and no set half its lifetime long gets a 429",
          "[server][identity][rate]") {
    // What a refused call sees while the sets that took the identity's share are still being written: the
    // epoch clock moves on, the limiters' does not (with consistent clocks and at least 2 new sets an hour,
    // the newest set always has half its lifetime left).
    IdentityApiFixture f(6);
    for (int i = 0; i < 6; ++i)
        REQUIRE(f.get_credentials(f.identity).result_int() == 200);
    f.now += 31 * 60 * 1000;
    const auto refused = f.get_credentials(f.identity);
    CHECK(refused.result_int() == 429);
    CHECK(refused["x-amzn-ErrorType"] == "TooManyRequestsException");
    CHECK(refused[boost::beast::http::field::retry_after] == "1");
    CHECK(json::parse(refused.body()).at("message").get<std::string>().find("for this identity") !=
          std::string::npos);
    f.advance(10min);  // a share again
    CHECK(f.get_credentials(f.identity).result_int() == 200);
}

TEST_CASE("IdentityApi: GetCredentialsForIdentity beyond the address limit is a 429 that takes nothing else",
          "[server][identity][rate]") {
    IdentityApiFixture f(6, address_limits(1, 3));
    for (int i = 0; i < 3; ++i)
        CHECK(f.get_credentials(f.identity).result_int() == 200);
    const auto refused = f.get_credentials(f.identity);
    CHECK(refused.result_int() == 429);
    CHECK(refused[boost::beast::http::field::retry_after] == "1");
    CHECK(json::parse(refused.body()).at("message").get<std::string>().find("from this address") !=
          std::string::npos);
    // Another address may go on, and the identity's share was not spent by the refusal: three more new sets.
    std::set<std::string> keys;
    for (int i = 0; i < 3; ++i)
        keys.insert(f.key_of(f.get_credentials(f.identity, "192.0.2.2")));
    CHECK(keys.size() == 3);
    CHECK_FALSE(keys.contains(""));
}

TEST_CASE("IdentityApi: a made-up identity id is not found and gets no bucket", "[server][identity][rate]") {
    IdentityApiFixture f(6);
    for (int i = 0; i < 100; ++i) {
        const auto answer =
            f.get_credentials("us-east-1:" + std::string("ffffffff-0000-4000-8000-") +
                              std::string(12 - std::to_string(i).size(), '0') + std::to_string(i));
        CHECK(answer.result_int() == 400);  // Cognito Identity errors are 400s
        CHECK(answer["x-amzn-ErrorType"] == "ResourceNotFoundException");
    }
    CHECK(f.per_identity.tracked_addresses() == 0);
}
