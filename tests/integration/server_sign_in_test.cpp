// Signed-in users against a real synclatch-server trusting one OpenID Connect provider whose JWKS a local
// HTTP server publishes: a login gives the same identity on every device; every kind of bad token is
// NotAuthorizedException and changes nothing; the provider's key rotation is picked up.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "encoding/base64url.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/test_login_provider.hpp"
#include "support/test_signing_key.hpp"
#include "synclatch/sync/detail/crypto.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using synclatch::server::base64url;

namespace {

constexpr const char* kProvider = "accounts.example.com";
constexpr const char* kIssuer = "https://accounts.example.com";
constexpr const char* kClientId = "sign-in-test";

// The provider: its keys, published at /jwks.json by a local HTTP server.
struct Provider {
    Provider() : key(TestSigningKey::rsa("key-1")) {
        jwks_server.set_handler([this](const TestHttpRequest&) {
            std::lock_guard lock(mutex);
            return TestHttpReply{200, {{"Content-Type", "application/json"}}, published};
        });
        publish({&key});
    }

    void publish(const std::vector<const TestSigningKey*>& keys) {
        std::lock_guard lock(mutex);
        published = jwks_of(keys);
    }

    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(jwks_server.port()) + "/jwks.json";
    }

    json claims(const std::string& subject) const {
        return {{"iss", kIssuer},
                {"aud", kClientId},
                {"sub", subject},
                {"iat", now_seconds()},
                {"exp", now_seconds() + 600}};
    }
    std::string token(const std::string& subject) const { return key.jwt(claims(subject)); }

    TestSigningKey key;
    TestHttpServer jwks_server;
    std::mutex mutex;
    std::string published;  // guarded by mutex
};

struct SignInServer {
    Provider provider;
    TempDir dir;
    ServerProcess server{dir.file("data"),
                         {"--auth", "sigv4", "--login-provider",
                          std::string(kProvider) + "," + kIssuer + "," + kClientId + "," + provider.url(),
                          "--jwks-min-refresh-seconds", "1"}};
    HttpClient client{server.port()};

    HttpResult get_id(const json& logins) {
        json body = {{"IdentityPoolId", kTestPool}};
        if (!logins.is_null()) body["Logins"] = logins;
        return client.identity("GetId", body);
    }
    HttpResult credentials(const std::string& identity, const json& logins = nullptr) {
        json body = {{"IdentityId", identity}};
        if (!logins.is_null()) body["Logins"] = logins;
        return client.identity("GetCredentialsForIdentity", body);
    }
    std::string guest() { return get_id(nullptr).json().at("IdentityId"); }
};

void check_not_authorized(const HttpResult& answer) {
    INFO(answer.body);
    CHECK(answer.status == 400);
    CHECK(answer.error_type == "NotAuthorizedException");
}

}  // namespace

TEST_CASE_METHOD(SignInServer, "Sign-in: a login gives the same identity on every device, and only with it",
                 "[integration][identity]") {
    auto first = get_id({{kProvider, provider.token("alice")}});
    REQUIRE(first.status == 200);
    const std::string alice = first.json().at("IdentityId");
    CHECK(get_id({{kProvider, provider.token("alice")}}).json().at("IdentityId") == alice);
    CHECK(get_id({{kProvider, provider.token("bob")}}).json().at("IdentityId") != alice);

    auto signed_in = credentials(alice, {{kProvider, provider.token("alice")}});
    REQUIRE(signed_in.status == 200);
    CHECK(signed_in.json().at("IdentityId") == alice);
    check_not_authorized(credentials(alice));  // no login
    const std::string bob = get_id({{kProvider, provider.token("bob")}}).json().at("IdentityId");
    check_not_authorized(credentials(alice, {{kProvider, provider.token("bob")}}));  // another's login
    // Nothing changed: each login still leads to its own identity, and neither was merged.
    CHECK(get_id({{kProvider, provider.token("bob")}}).json().at("IdentityId") == bob);
    CHECK(credentials(alice, {{kProvider, provider.token("alice")}}).json().at("IdentityId") == alice);
    CHECK(credentials(bob, {{kProvider, provider.token("bob")}}).json().at("IdentityId") == bob);
}

TEST_CASE_METHOD(SignInServer, "Sign-in: every bad token is NotAuthorizedException and changes nothing",
                 "[integration][identity]") {
    const std::string guest_id = guest();
    const auto other_key = TestSigningKey::rsa("key-1");  // the provider's kid, another key
    const auto unknown_kid = TestSigningKey::rsa("key-unknown");
    const auto claims = provider.claims("mallory");
    auto with = [&](const char* member, json value) {
        json changed = claims;
        changed[member] = std::move(value);
        return provider.key.jwt(changed);
    };
    const std::vector<std::pair<std::string, json>> bad = {
        {"wrong signature", {{kProvider, other_key.jwt(claims)}}},
        {"expired", {{kProvider, with("exp", now_seconds() - 3600)}}},
        {"not yet valid", {{kProvider, with("nbf", now_seconds() + 3600)}}},
        {"wrong issuer", {{kProvider, with("iss", "https://evil.example.com")}}},
        {"wrong audience", {{kProvider, with("aud", "another-app")}}},
        {"unknown kid", {{kProvider, unknown_kid.jwt(claims)}}},
        {"alg none", {{kProvider, assemble_jwt(R"({"alg":"none","kid":"key-1"})", claims.dump(), "")}}},
        {"HS256 keyed with the public key",
         {{kProvider,
           [&] {
               const std::string header = R"({"alg":"HS256","kid":"key-1"})";
               const std::string signed_part = base64url(header) + "." + base64url(claims.dump());
               return assemble_jwt(
                   header, claims.dump(),
                   synclatch::sync::detail::hmac_sha256(provider.key.public_key_der(), signed_part));
           }()}}},
        {"untrusted provider", {{"evil.example.com", provider.token("mallory")}}},
        {"50,001 characters", {{kProvider, std::string(50'001, 'a')}}},
    };
    for (const auto& [what, logins] : bad) {
        INFO(what);
        check_not_authorized(get_id(logins));
        check_not_authorized(credentials(guest_id, logins));
    }
    json eleven;
    for (int i = 0; i < 10; ++i)
        eleven["provider-" + std::to_string(i) + ".example.com"] = provider.token("mallory");
    eleven[kProvider] = provider.token("mallory");
    check_not_authorized(get_id(eleven));
    check_not_authorized(credentials(guest_id, eleven));

    // Nothing changed: the guest is still a guest (no login needed), and mallory has no identity yet
    // (her first valid sign-in makes one, which is not the guest).
    CHECK(credentials(guest_id).status == 200);
    auto mallory = get_id({{kProvider, provider.token("mallory")}});
    REQUIRE(mallory.status == 200);
    CHECK(mallory.json().at("IdentityId") != guest_id);
}

TEST_CASE_METHOD(SignInServer, "Sign-in: the provider's rotated key is loaded when a token names it",
                 "[integration][identity]") {
    const auto first = get_id({{kProvider, provider.token("alice")}});
    INFO(first.body);
    REQUIRE(first.status == 200);
    const std::string alice = first.json().at("IdentityId");
    const auto next = TestSigningKey::rsa("key-2");
    provider.publish({&next});  // the provider rotates: key-1 retired, key-2 signs
    // Past the minimum time between two loads (1 s here), the first token of key-2 makes the server load
    // the provider's keys again, and waits for them: it passes at once, for the identity alice had.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    auto answer = get_id({{kProvider, next.jwt(provider.claims("alice"))}});
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    CHECK(answer.json().at("IdentityId") == alice);
    check_not_authorized(get_id({{kProvider, provider.token("alice")}}));  // key-1 is retired
}

TEST_CASE(
    "Sign-in: rotate-signing-key --data makes a new key for the next start and keeps the old one "
    "accepted",
    "[integration][identity][sqlite]") {
    TempDir dir;
    const std::string data = dir.file("data");
    const auto keys = [](HttpClient& client) {
        const json jwks = client.send("GET", "/.well-known/jwks.json").json();
        std::vector<std::string> kids;
        for (const auto& key : jwks.at("keys"))
            kids.push_back(key.at("kid"));
        return kids;
    };
    const auto rotate = [&] {
        return run_process({SYNCLATCH_SERVER_BINARY, "rotate-signing-key", "--data", data},
                           std::chrono::seconds(30));
    };
    const auto nothing = rotate();
    CHECK(nothing.exit_code == 1);
    CHECK(nothing.err.find("no key to rotate") != std::string::npos);

    std::string identity, token, first_kid;
    {
        ServerProcess server(data, {"--auth", "none"});
        HttpClient client(server.port());
        identity = client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
        token = client.identity("GetOpenIdToken", {{"IdentityId", identity}}).json().at("Token");
        REQUIRE(keys(client).size() == 1);
        first_kid = keys(client).front();
    }
    const auto rotated = rotate();
    INFO(rotated.out << rotated.err);
    REQUIRE(rotated.exit_code == 0);

    ServerProcess server(data, {"--auth", "none"});
    HttpClient client(server.port());
    const auto kids = keys(client);
    REQUIRE(kids.size() == 2);
    CHECK(kids.at(1) == first_kid);  // the current key first, then the previous one
    CHECK(rotated.out.find(kids.at(0)) != std::string::npos);
    const std::string fresh =
        client.identity("GetOpenIdToken", {{"IdentityId", identity}}).json().at("Token");
    const auto header = synclatch::server::decode_base64url(fresh.substr(0, fresh.find('.')));
    REQUIRE(header.has_value());
    CHECK(json::parse(*header).at("kid") == kids.at(0));
    const json logins = {{"cognito-identity.amazonaws.com", token}};
    CHECK(
        client.identity("GetCredentialsForIdentity", {{"IdentityId", identity}, {"Logins", logins}}).status ==
        200);
}
