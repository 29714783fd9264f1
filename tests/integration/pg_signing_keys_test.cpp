// The OpenID signing keys of servers on one PostgreSQL database: one deployment key in the database, so
// that a token any server issued is accepted by all, and `synclatch-server rotate-signing-key` reaching
// every running server.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "auth/open_id_tokens.hpp"
#include "auth/shared_signing_keys.hpp"
#include "auth/signing_key_file.hpp"
#include "encoding/base64url.hpp"
#include "support/child_process.hpp"
#include "support/deployment.hpp"
#include "support/http_client.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;
namespace server = synclatch::server;

namespace {

constexpr const char* kDeveloperProvider = "login.keys.test";

// The kids a server publishes at /.well-known/jwks.json.
std::set<std::string> published_kids(HttpClient& client) {
    const auto jwks = client.send("GET", "/.well-known/jwks.json");
    REQUIRE(jwks.status == 200);
    const json document = jwks.json();  // kept: a range-for over a temporary's member dangles
    std::set<std::string> kids;
    for (const auto& key : document.at("keys"))
        kids.insert(key.at("kid").get<std::string>());
    return kids;
}

// The kid in a JWT's header.
std::string kid_of(const std::string& token) {
    const auto header = server::decode_base64url(token.substr(0, token.find('.')));
    REQUIRE(header.has_value());
    return json::parse(*header).at("kid");
}

// A developer user's identity and an OpenID token for it, from `client`'s server.
std::pair<std::string, std::string> user_token(HttpClient& client, const std::string& user) {
    auto answer = client.identity("GetOpenIdTokenForDeveloperIdentity",
                                  {{"IdentityPoolId", kTestPool}, {"Logins", {{kDeveloperProvider, user}}}});
    REQUIRE(answer.status == 200);
    return {answer.json().at("IdentityId"), answer.json().at("Token")};
}

// What `client`'s server answers `token` as the proof of identity `identity`: "ok", or the error type.
std::string credentials_for(HttpClient& client, const std::string& identity, const std::string& token) {
    const json logins = {{"cognito-identity.amazonaws.com", token}};
    const auto answer =
        client.identity("GetCredentialsForIdentity", {{"IdentityId", identity}, {"Logins", logins}});
    return answer.status == 200 ? "ok" : answer.error_type;
}

// The kid of a key file made in data_dir before its server first starts.
std::string make_key_file(const std::string& data_dir) {
    std::filesystem::create_directories(data_dir);
    auto key =
        server::read_or_create_signing_key(std::filesystem::path(data_dir) / server::OpenIdTokens::kKeyFile);
    REQUIRE(key.ok());
    return key->public_key.kid;
}

ProcessOutput rotate(const std::string& store) {
    return run_process({SYNCLATCH_SERVER_BINARY, "rotate-signing-key", "--store", store}, 60s);
}

}  // namespace

TEST_CASE(
    "PostgreSQL servers: one signing key for all, taken from the first server's file, rotated while "
    "they run",
    "[postgres][servers][identity]") {
    TempDir dir;
    const std::string store = fresh_pg_database("keys");
    // Each server has a key file of its own, as servers given --data folders of their own would.
    const std::string first_kid = make_key_file(dir.file("a"));
    const std::string other_kid = make_key_file(dir.file("b"));
    REQUIRE(first_kid != other_kid);
    const std::vector<std::string> args = {
        "--store", store, "--auth", "none", "--developer-provider", kDeveloperProvider, "--no-data-lake"};
    ServerProcess a(dir.file("a"), args);
    ServerProcess b(dir.file("b"), args);
    HttpClient to_a(a.port()), to_b(b.port());

    // The first server's key is the deployment's: both publish it, and only it.
    CHECK(published_kids(to_a) == std::set<std::string>{first_kid});
    CHECK(published_kids(to_b) == std::set<std::string>{first_kid});
    const auto [ann, ann_token] = user_token(to_a, "ann");
    CHECK(kid_of(ann_token) == first_kid);
    CHECK(credentials_for(to_b, ann, ann_token) == "ok");
    const auto [ben, ben_token] = user_token(to_b, "ben");
    CHECK(credentials_for(to_a, ben, ben_token) == "ok");

    // A rotation: every server signs with the new key within the bound (at once, on the bus hint), and
    // still accepts what the old one signed.
    const auto rotated = rotate(store);
    INFO(rotated.out << rotated.err);
    REQUIRE(rotated.exit_code == 0);
    std::string new_kid;
    CHECK(eventually(
        [&] {
            const auto kids = published_kids(to_b);
            if (kids.size() != 2 || !kids.contains(first_kid)) return false;
            for (const auto& kid : kids)
                if (kid != first_kid) new_kid = kid;
            return published_kids(to_a) == kids;
        },
        std::chrono::seconds(server::SharedSigningKeys::kRefreshEvery) + 2s));
    CHECK(rotated.out.find(new_kid) != std::string::npos);
    const auto [cid, cid_token] = user_token(to_b, "cid");
    CHECK(kid_of(cid_token) == new_kid);
    CHECK(credentials_for(to_a, cid, cid_token) == "ok");
    CHECK(credentials_for(to_a, ann, ann_token) == "ok");
    CHECK(credentials_for(to_b, ben, ben_token) == "ok");

    // A second rotation drops the first key: what it signed is refused everywhere.
    REQUIRE(rotate(store).exit_code == 0);
    CHECK(eventually([&] { return !published_kids(to_a).contains(first_kid); }, 12s));
    CHECK(eventually([&] { return !published_kids(to_b).contains(first_kid); }, 12s));
    CHECK(credentials_for(to_a, ann, ann_token) == "NotAuthorizedException");
    CHECK(credentials_for(to_b, ann, ann_token) == "NotAuthorizedException");
    CHECK(credentials_for(to_b, cid, cid_token) == "ok");

    // A server started later, with a key file of its own, uses the deployment's keys.
    const std::string late_kid = make_key_file(dir.file("c"));
    ServerProcess c(dir.file("c"), args);
    HttpClient to_c(c.port());
    CHECK(published_kids(to_c) == published_kids(to_a));
    CHECK_FALSE(published_kids(to_c).contains(late_kid));
    CHECK(credentials_for(to_c, cid, cid_token) == "ok");
}

TEST_CASE("rotate-signing-key: refuses a database no server started on, and a malformed --store",
          "[postgres][identity]") {
    const auto empty = rotate(fresh_pg_database("keys_empty"));
    CHECK(empty.exit_code == 1);
    CHECK(empty.err.find("no synclatch server has started on this database") != std::string::npos);
    const auto malformed = rotate("not-a-database");
    CHECK(malformed.exit_code == 2);
    const auto neither = run_process({SYNCLATCH_SERVER_BINARY, "rotate-signing-key"}, 10s);
    CHECK(neither.exit_code == 2);
    CHECK(neither.err.find("give --store or --data") != std::string::npos);
}
