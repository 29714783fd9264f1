// LoginProviders: a request's Logins map checked against the providers of its pool, as the Cognito
// Identity API will call it. Two providers, one with its keys in a file and one at a URL served in the
// test; every way a map can be wrong is refused as a whole, with the reason; our own tokens prove an
// identity of their pool only; pools are replaced and removed at runtime.
#include "auth/login_providers.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/test_signing_key.hpp"
#include "synclatch/platform/beast_http_client.hpp"

using namespace synclatch;
using server::IdentityPoolSettings;
using server::LoginProviders;
using server::OpenIdConnectProviderSettings;
using json = nlohmann::json;

namespace {

constexpr server::EpochMillis kNow = 1'700'000'000'000;
constexpr std::int64_t kNowSeconds = kNow / 1000;
const std::string kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
const std::string kOtherPool = "eu-west-1:11111111-1111-4111-8111-111111111111";
const std::string kUnknownPool = "us-west-2:22222222-2222-4222-8222-222222222222";
const std::string kFileProvider = "accounts.example.com";
const std::string kUrlProvider = "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc";
const std::string kUrlIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc";
constexpr const char* kOwn = "cognito-identity.amazonaws.com";

const test::TestSigningKey& rsa_key() {
    static const auto key = test::TestSigningKey::rsa("rsa-1");
    return key;
}
const test::TestSigningKey& ec_key() {
    static const auto key = test::TestSigningKey::ec_p256("ec-1");
    return key;
}

const server::OpenIdTokens& own_tokens() {
    static const server::OpenIdTokens tokens(server::generate_signing_key().value(), std::nullopt,
                                             "https://synclatch.example.com");
    return tokens;
}

json claims(const std::string& issuer, const std::string& sub, const std::string& aud = "client-a") {
    return {
        {"iss", issuer}, {"aud", aud}, {"sub", sub}, {"iat", kNowSeconds - 10}, {"exp", kNowSeconds + 3600}};
}

std::string file_token(const std::string& sub = "alice") {
    return rsa_key().jwt(claims("https://accounts.example.com", sub));
}
std::string url_token(const std::string& sub = "bob") {
    return ec_key().jwt(claims(kUrlIssuer, sub, "app-client"));
}

server::JwksSourceOptions fast() {
    server::JwksSourceOptions o;
    o.open_http = platform::open_http_client;
    o.min_refresh_interval = std::chrono::milliseconds(200);
    o.fetch_timeout = std::chrono::milliseconds(1000);
    return o;
}

// Two pools: kPool trusts a provider with keys in a file (RS256) and one at a URL (ES256), has a developer
// provider and refuses guests; kOtherPool trusts only the URL provider, under another client id.
struct Fixture {
    test::TempDir dir;
    test::TestHttpServer http;
    std::unique_ptr<LoginProviders> providers;

    OpenIdConnectProviderSettings file_provider() const {
        return {kFileProvider, "https://accounts.example.com", {"client-a"}, dir.file("jwks.json"), ""};
    }
    OpenIdConnectProviderSettings url_provider(const std::string& audience = "app-client") const {
        return {kUrlProvider,
                kUrlIssuer,
                {audience},
                "",
                "http://127.0.0.1:" + std::to_string(http.port()) + "/jwks.json"};
    }

    Fixture() {
        std::ofstream(dir.file("jwks.json")) << test::jwks_of({&rsa_key()});
        const std::string jwks = test::jwks_of({&ec_key()});
        http.set_handler([jwks](const test::TestHttpRequest&) { return test::TestHttpReply{200, {}, jwks}; });

        server::IdentityPoolSettingsMap pools;
        pools[kPool].allow_unauthenticated_identities = false;
        pools[kPool].developer_provider_name = "login.example.app";
        pools[kPool].open_id_connect_providers = {file_provider(), url_provider()};
        pools[kOtherPool].open_id_connect_providers = {url_provider("other-client")};
        auto opened = LoginProviders::open(pools, own_tokens(), fast());
        REQUIRE(opened.ok());
        providers = std::move(opened).value();
        REQUIRE(providers->wait_for_keys(std::chrono::seconds(2)));
    }

    Result<server::VerifiedLogins> verify(const json& logins, const std::string& pool = kPool) const {
        return providers->verify(pool, logins, kNow);
    }
    // The message of a refusal with this code.
    std::string refusal(const json& logins, Errc code = Errc::unauthorized,
                        const std::string& pool = kPool) const {
        auto verified = verify(logins, pool);
        REQUIRE_FALSE(verified.ok());
        CHECK(verified.status().code() == code);
        return verified.status().message();
    }
};

}  // namespace

TEST_CASE("Login providers: valid RS256 and ES256 tokens of two providers give two logins",
          "[server][providers]") {
    Fixture f;
    auto verified = f.verify({{kUrlProvider, url_token()}, {kFileProvider, file_token()}});
    REQUIRE(verified.ok());
    REQUIRE(verified->logins.size() == 2);
    CHECK(verified->logins[0] == server::Login{kFileProvider, "alice"});
    CHECK(verified->logins[1] == server::Login{kUrlProvider, "bob"});
    CHECK_FALSE(verified->proven_identity);

    SECTION("no Logins member, or an empty map, proves nothing and passes") {
        for (const json& nothing : {json(), json::object()}) {
            auto none = f.verify(nothing);
            REQUIRE(none.ok());
            CHECK(none->logins.empty());
            CHECK_FALSE(none->proven_identity);
        }
    }
}

TEST_CASE("Login providers: a provider the pool does not trust is refused", "[server][providers]") {
    Fixture f;
    CHECK(f.refusal({{"graph.facebook.com", file_token()}}) ==
          "graph.facebook.com is not a login provider of this identity pool");
    // One valid login beside it does not help: all or nothing.
    CHECK(f.refusal({{"graph.facebook.com", file_token()}, {kFileProvider, file_token()}}) ==
          "graph.facebook.com is not a login provider of this identity pool");
    // A provider of another pool.
    CHECK(f.refusal({{kFileProvider, file_token()}}, Errc::unauthorized, kOtherPool) ==
          kFileProvider + " is not a login provider of this identity pool");
    // A pool without settings has no providers.
    CHECK(f.refusal({{kFileProvider, file_token()}}, Errc::unauthorized, kUnknownPool) ==
          kFileProvider + " is not a login provider of this identity pool");
    // The developer provider is not a Logins key: its identities sign in with our own tokens.
    CHECK_THAT(f.refusal({{"login.example.app", "user-7"}}),
               Catch::StartsWith("login.example.app is the developer provider of this identity pool"));
    // The same provider name in another pool checks that pool's audience.
    CHECK_THAT(f.refusal({{kUrlProvider, url_token()}}, Errc::unauthorized, kOtherPool),
               Catch::Contains("aud names none of the accepted client ids"));
}

TEST_CASE("Login providers: at most 10 logins", "[server][providers]") {
    Fixture f;
    // A pool of 11 providers sharing one key file, so that 10 valid logins can be sent.
    IdentityPoolSettings many;
    json logins = json::object();
    for (int i = 0; i < 11; ++i) {
        const std::string name = "idp" + std::to_string(i) + ".example.com";
        const std::string issuer = "https://" + name;
        many.open_id_connect_providers.push_back({name, issuer, {"client-a"}, f.dir.file("jwks.json"), ""});
        logins[name] = rsa_key().jwt(claims(issuer, "user-" + std::to_string(i)));
    }
    REQUIRE(f.providers->replace_pool(kUnknownPool, many).ok());

    json ten = logins;
    ten.erase("idp10.example.com");
    auto verified = f.verify(ten, kUnknownPool);
    REQUIRE(verified.ok());
    CHECK(verified->logins.size() == 10);

    CHECK(f.refusal(logins, Errc::unauthorized, kUnknownPool) ==
          "Logins has 11 entries; at most 10 are accepted");
}

TEST_CASE("Login providers: a token over 50,000 characters is refused", "[server][providers]") {
    Fixture f;
    const std::string too_long(50'001, 'a');
    for (const std::string& provider : {kFileProvider, kUrlProvider, std::string(kOwn)}) {
        INFO(provider);
        CHECK_THAT(f.refusal({{provider, too_long}}), Catch::EndsWith("longer than 50000 characters"));
    }
    // At the limit it is judged on its merits (and refused as malformed).
    CHECK_THAT(f.refusal({{kFileProvider, std::string(50'000, 'a')}}),
               Catch::Contains("not a JWS in compact form"));
}

TEST_CASE("Login providers: a bad token of a known provider is refused with the provider's reason",
          "[server][providers]") {
    Fixture f;
    json expired = claims("https://accounts.example.com", "alice");
    expired["exp"] = kNowSeconds - 3600;
    CHECK(f.refusal({{kFileProvider, rsa_key().jwt(expired)}}) ==
          "login token of accounts.example.com: the token has expired");
    CHECK(
        f.refusal({{kFileProvider, rsa_key().jwt(claims("https://evil.example.com", "alice"))}}) ==
        "login token of accounts.example.com: iss is not the provider's issuer https://accounts.example.com");
    // The URL provider's key signing for the file provider: unknown kid there.
    CHECK(f.refusal({{kFileProvider, ec_key().jwt(claims("https://accounts.example.com", "alice"))}}) ==
          "login token of accounts.example.com: no key of the provider has the token's kid");
    // One bad token spoils a map of good ones.
    CHECK_THAT(f.refusal({{kUrlProvider, url_token()}, {kFileProvider, rsa_key().jwt(expired)}}),
               Catch::Contains("the token has expired"));
}

TEST_CASE("Login providers: a refusal for an unknown kid names the source to verify again with",
          "[server][providers]") {
    // Even with no load under way: the keys may have loaded between the verifier's look and the refusal,
    // and the caller, verifying once more, then sees them.
    Fixture f;
    std::shared_ptr<const server::JwksSource> reloading;
    const auto unknown_kid = ec_key().jwt(claims("https://accounts.example.com", "alice"));
    CHECK_FALSE(f.providers->verify(kPool, {{kFileProvider, unknown_kid}}, kNow, &reloading).ok());
    REQUIRE(reloading != nullptr);
    CHECK(reloading == f.providers->source(kPool, kFileProvider));
    // Any other refusal is final: nothing to wait for.
    reloading = nullptr;
    json expired = claims("https://accounts.example.com", "alice");
    expired["exp"] = kNowSeconds - 3600;
    CHECK_FALSE(f.providers->verify(kPool, {{kFileProvider, rsa_key().jwt(expired)}}, kNow, &reloading).ok());
    CHECK(reloading == nullptr);
}

TEST_CASE("Login providers: Logins must be a map of provider names to token strings", "[server][providers]") {
    Fixture f;
    CHECK(f.refusal(json::array({file_token()}), Errc::invalid_argument) ==
          "Logins must be a map of provider names to tokens");
    CHECK(f.refusal(json(file_token()), Errc::invalid_argument) ==
          "Logins must be a map of provider names to tokens");
    CHECK(f.refusal({{kFileProvider, 5}}, Errc::invalid_argument) ==
          "Logins: the token of accounts.example.com must be a string");
    CHECK(f.refusal({{kFileProvider, file_token()}, {kUrlProvider, json::object()}},
                    Errc::invalid_argument) == "Logins: the token of " + kUrlProvider + " must be a string");
}

TEST_CASE("Login providers: this server's own token proves an identity of its pool only",
          "[server][providers]") {
    Fixture f;
    const std::string identity = "us-east-1:33333333-3333-4333-8333-333333333333";
    const std::string token = own_tokens().issue(kPool, identity, kNow).value();

    auto verified = f.verify({{kOwn, token}});
    REQUIRE(verified.ok());
    CHECK(verified->proven_identity == identity);
    CHECK(verified->logins.empty());

    auto with_login = f.verify({{kOwn, token}, {kFileProvider, file_token()}});
    REQUIRE(with_login.ok());
    CHECK(with_login->proven_identity == identity);
    CHECK(with_login->logins == std::vector<server::Login>{{kFileProvider, "alice"}});

    CHECK_THAT(f.refusal({{kOwn, token}}, Errc::unauthorized, kOtherPool),
               Catch::Contains("aud names none of the accepted client ids"));
    // A pool without settings still accepts our tokens for it.
    const std::string elsewhere = own_tokens().issue(kUnknownPool, identity, kNow).value();
    CHECK(f.verify({{kOwn, elsewhere}}, kUnknownPool).ok());
    CHECK_FALSE(f.verify({{kOwn, file_token()}}).ok());
}

TEST_CASE("Login providers: settings per pool, replaced and removed at runtime", "[server][providers]") {
    Fixture f;
    auto& providers = *f.providers;
    CHECK_FALSE(providers.allow_unauthenticated(kPool));
    CHECK(providers.developer_provider(kPool) == "login.example.app");
    CHECK(providers.allow_unauthenticated(kOtherPool));
    CHECK_FALSE(providers.developer_provider(kOtherPool));
    CHECK(providers.allow_unauthenticated(kUnknownPool));
    CHECK_FALSE(providers.settings(kUnknownPool));
    REQUIRE(providers.settings(kPool));
    CHECK(providers.settings(kPool)->open_id_connect_providers.size() == 2);

    SECTION("an unchanged provider keeps its source and keys; a new one is opened") {
        const auto url_source = providers.source(kOtherPool, kUrlProvider);
        REQUIRE(url_source != nullptr);
        IdentityPoolSettings changed = *providers.settings(kOtherPool);
        changed.allow_unauthenticated_identities = false;
        changed.open_id_connect_providers.push_back(f.file_provider());
        REQUIRE(providers.replace_pool(kOtherPool, changed).ok());
        CHECK(providers.source(kOtherPool, kUrlProvider) == url_source);
        CHECK_FALSE(providers.allow_unauthenticated(kOtherPool));
        CHECK(f.verify({{kFileProvider, file_token()}}, kOtherPool).ok());
    }
    SECTION("invalid settings or an unreadable key file change nothing") {
        IdentityPoolSettings bad;
        bad.open_id_connect_providers.push_back(f.file_provider());
        bad.open_id_connect_providers.back().issuer = "not a url";
        CHECK(providers.replace_pool(kOtherPool, bad).code() == Errc::invalid_argument);
        bad.open_id_connect_providers.back() = f.file_provider();
        bad.open_id_connect_providers.back().jwks_file = f.dir.file("missing.json");
        const Status unreadable = providers.replace_pool(kOtherPool, bad);
        CHECK(unreadable.code() == Errc::invalid_argument);
        CHECK_THAT(unreadable.message(), Catch::Contains("missing.json"));
        CHECK(providers.settings(kOtherPool)->open_id_connect_providers.size() == 1);
        CHECK(f.refusal({{kFileProvider, file_token()}}, Errc::unauthorized, kOtherPool) ==
              kFileProvider + " is not a login provider of this identity pool");
    }
    SECTION("a removed pool has the defaults again") {
        providers.remove_pool(kPool);
        CHECK(providers.allow_unauthenticated(kPool));
        CHECK_FALSE(providers.developer_provider(kPool));
        CHECK(f.refusal({{kFileProvider, file_token()}}) ==
              kFileProvider + " is not a login provider of this identity pool");
        CHECK(providers.source(kPool, kFileProvider) == nullptr);
    }
}

TEST_CASE("Login providers: an unreadable key file at start names the pool and the provider",
          "[server][providers]") {
    test::TempDir dir;
    server::IdentityPoolSettingsMap pools;
    pools[kPool].open_id_connect_providers = {
        {kFileProvider, "https://accounts.example.com", {"client-a"}, dir.file("missing.json"), ""}};
    auto opened = LoginProviders::open(pools, own_tokens(), fast());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Errc::invalid_argument);
    CHECK_THAT(opened.status().message(),
               Catch::StartsWith("pool " + kPool + ": login provider " + kFileProvider));
    CHECK_THAT(opened.status().message(), Catch::Contains("missing.json"));
}
