// GetOpenIdToken's JWTs: Cognito's claims, signed RS256 with the key kept in the data directory (made once,
// mode 0600, the same on every open), checked by our own verify and by a relying party that only has the
// published JWKS; a rotated-out key stays published and accepted.
#include "auth/open_id_tokens.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "encoding/base64url.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch;
using server::LoginTokenRejection;
using server::OpenIdTokens;
using json = nlohmann::json;

namespace {

constexpr server::EpochMillis kNow = 1'700'000'000'123;
constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr std::string_view kIdentity = "us-east-1:11111111-1111-4111-8111-111111111111";

std::vector<std::string> split(const std::string& token) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
        parts.push_back(token.substr(start, dot - start));
    parts.push_back(token.substr(start));
    return parts;
}

json part(const std::string& token, std::size_t index) {
    return json::parse(server::decode_base64url(split(token).at(index)).value());
}

std::set<std::string> published_kids(const OpenIdTokens& tokens) {
    std::set<std::string> kids;
    const json jwks = json::parse(tokens.jwks_json());
    for (const auto& key : jwks.at("keys"))
        kids.insert(key.at("kid").get<std::string>());
    return kids;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("OpenID tokens: a JWT with Cognito's claims, signed RS256 under the published kid",
          "[server][openid]") {
    test::TempDir dir;
    const auto tokens = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    const std::string token = tokens.issue(kPool, kIdentity, kNow).value();
    REQUIRE(split(token).size() == 3);

    CHECK(part(token, 0) == json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", tokens.key_id()}});
    const json claims = part(token, 1);
    CHECK(claims.at("iss") == "synclatch-server");
    CHECK(claims.at("sub") == kIdentity);
    CHECK(claims.at("aud") == kPool);
    CHECK(claims.at("amr") == json::array({"unauthenticated"}));
    CHECK(claims.at("iat") == 1'700'000'000);
    CHECK(claims.at("exp") == 1'700'000'000 + 15 * 60);
    CHECK(server::decode_base64url(split(token)[2])->size() == 256);  // RSA 2048

    const auto authenticated = tokens.issue(
        kPool, kIdentity, kNow, {"authenticated", "login.example.app", "login.example.app:sam"}, 3600 * 1000);
    REQUIRE(authenticated.ok());
    CHECK(part(*authenticated, 1).at("amr") ==
          json::array({"authenticated", "login.example.app", "login.example.app:sam"}));
    CHECK(part(*authenticated, 1).at("exp") == 1'700'000'000 + 3600);

    CHECK(tokens.issue(kPool, kIdentity, kNow, {"unauthenticated"}, 999).status().code() ==
          Errc::invalid_argument);
    CHECK(tokens.issue(kPool, kIdentity, kNow, {"unauthenticated"}, OpenIdTokens::kMaxLifetimeMs + 1000)
              .status()
              .code() == Errc::invalid_argument);
    CHECK(tokens.issue(kPool, kIdentity, kNow, {"unauthenticated"}, OpenIdTokens::kMaxLifetimeMs).ok());
}

TEST_CASE("OpenID tokens: issued tokens verify, for their pool and until they expire", "[server][openid]") {
    test::TempDir dir;
    const auto tokens = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    const std::string token = tokens.issue(kPool, kIdentity, kNow).value();

    auto login = tokens.verify(token, kPool, kNow + 1000);
    REQUIRE(login.ok());
    CHECK(login->provider == "cognito-identity.amazonaws.com");
    CHECK(login->subject == kIdentity);
    CHECK(login->expires_at == (1'700'000'000LL + 15 * 60) * 1000);

    LoginTokenRejection why = LoginTokenRejection::none;
    CHECK(
        tokens.verify(token, "us-east-1:22222222-2222-2222-2222-222222222222", kNow, &why).status().code() ==
        Errc::unauthorized);
    CHECK(why == LoginTokenRejection::wrong_audience);
    CHECK_FALSE(tokens.verify(token, kPool, kNow + OpenIdTokens::kDefaultLifetimeMs + 61'000, &why).ok());
    CHECK(why == LoginTokenRejection::expired);

    // Changed claims break the signature.
    auto parts = split(token);
    json claims = part(token, 1);
    claims["sub"] = "us-east-1:33333333-3333-4333-8333-333333333333";
    CHECK_FALSE(
        tokens.verify(parts[0] + "." + server::base64url(claims.dump()) + "." + parts[2], kPool, kNow, &why)
            .ok());
    CHECK(why == LoginTokenRejection::bad_signature);

    // Another issuer's verifier (another data directory) does not accept it.
    test::TempDir other_dir;
    const auto other = OpenIdTokens::open(other_dir.path(), "synclatch-server").value();
    CHECK(other.key_id() != tokens.key_id());
    CHECK_FALSE(other.verify(token, kPool, kNow, &why).ok());
    CHECK(why == LoginTokenRejection::unknown_key);
}

TEST_CASE("OpenID tokens: a relying party with only the published JWKS verifies them", "[server][openid]") {
    test::TempDir dir;
    const auto tokens = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    const json jwks = json::parse(tokens.jwks_json());
    REQUIRE(jwks.at("keys").size() == 1);
    const json& key = jwks.at("keys").at(0);
    CHECK(key.at("kty") == "RSA");
    CHECK(key.at("alg") == "RS256");
    CHECK(key.at("use") == "sig");
    CHECK(key.at("kid") == tokens.key_id());
    CHECK_FALSE(key.contains("d"));  // no private member

    const server::LoginTokenVerifier relying_party(
        {"cognito-identity.amazonaws.com", "synclatch-server", {std::string(kPool)}},
        std::make_shared<const server::JsonWebKeySet>(
            server::JsonWebKeySet::parse(tokens.jwks_json()).value()));
    auto login = relying_party.verify(tokens.issue(kPool, kIdentity, kNow).value(), kNow);
    REQUIRE(login.ok());
    CHECK(login->subject == kIdentity);
}

TEST_CASE("OpenID tokens: the key file is made 0600 once and reused: same kid on every open",
          "[server][openid]") {
    test::TempDir dir;
    const auto key_file = dir.path() / OpenIdTokens::kKeyFile;
    REQUIRE_FALSE(std::filesystem::exists(key_file));
    const auto first = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    REQUIRE(std::filesystem::exists(key_file));
    struct stat info {};
    REQUIRE(::stat(key_file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "openid-signing-key.pem.tmp"));
    const std::string pem = read_file(key_file);
    CHECK(pem.starts_with("-----BEGIN PRIVATE KEY-----"));

    const auto second = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    CHECK(second.key_id() == first.key_id());
    CHECK(second.jwks_json() == first.jwks_json());
    CHECK(read_file(key_file) == pem);  // not rewritten
    CHECK(second.verify(first.issue(kPool, kIdentity, kNow).value(), kPool, kNow).ok());

    CHECK(first.key_id().size() == 11);  // 8 bytes of base64url
}

TEST_CASE(
    "OpenID tokens: after a rotation, tokens of the previous key still verify and both keys are "
    "published",
    "[server][openid]") {
    test::TempDir dir;
    const auto before = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    const std::string old_token = before.issue(kPool, kIdentity, kNow).value();

    // The operator's rotation: the current key becomes the previous one; the next start makes a new one.
    std::filesystem::rename(dir.path() / OpenIdTokens::kKeyFile, dir.path() / OpenIdTokens::kPreviousKeyFile);
    const auto after = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    CHECK(after.key_id() != before.key_id());
    CHECK(published_kids(after) == std::set<std::string>{before.key_id(), after.key_id()});
    CHECK(after.verify(old_token, kPool, kNow).ok());
    const std::string new_token = after.issue(kPool, kIdentity, kNow).value();
    CHECK(part(new_token, 0).at("kid") == after.key_id());  // new tokens use the new key only
    CHECK(after.verify(new_token, kPool, kNow).ok());

    // Once the previous file is gone, its tokens are refused as signed by an unknown key.
    std::filesystem::remove(dir.path() / OpenIdTokens::kPreviousKeyFile);
    const auto later = OpenIdTokens::open(dir.path(), "synclatch-server").value();
    CHECK(published_kids(later) == std::set<std::string>{after.key_id()});
    LoginTokenRejection why = LoginTokenRejection::none;
    CHECK_FALSE(later.verify(old_token, kPool, kNow, &why).ok());
    CHECK(why == LoginTokenRejection::unknown_key);
    CHECK(later.verify(new_token, kPool, kNow).ok());

    // A previous file that is a copy of the current key is published once.
    std::filesystem::copy_file(dir.path() / OpenIdTokens::kKeyFile,
                               dir.path() / OpenIdTokens::kPreviousKeyFile);
    CHECK(published_kids(OpenIdTokens::open(dir.path(), "synclatch-server").value()).size() == 1);
}

TEST_CASE("OpenID tokens: a damaged current or previous key file stops the open", "[server][openid]") {
    test::TempDir dir;
    SECTION("current") {
        std::ofstream(dir.path() / OpenIdTokens::kKeyFile) << "not a key\n";
    }
    SECTION("previous") {
        REQUIRE(OpenIdTokens::open(dir.path(), "synclatch-server").ok());
        std::ofstream(dir.path() / OpenIdTokens::kPreviousKeyFile) << "-----BEGIN PRIVATE KEY-----\nAAAA\n";
    }
    CHECK(OpenIdTokens::open(dir.path(), "synclatch-server").status().code() == Errc::corrupt);
}
