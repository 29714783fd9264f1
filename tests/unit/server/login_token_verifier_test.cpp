// LoginTokenVerifier against tokens minted in the test: the valid ones of both algorithms pass with their
// subject, and each way a token can be wrong is refused as NotAuthorized (Errc::unauthorized) with its own
// reason, without the token in the message.
#include "auth/login_token_verifier.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "encoding/base64url.hpp"
#include "support/test_signing_key.hpp"
#include "synclatch/sync/detail/crypto.hpp"

using namespace synclatch;
using server::LoginTokenRejection;
using server::LoginTokenVerifier;
using json = nlohmann::json;

namespace {

constexpr server::EpochMillis kNow = 1'700'000'000'000;
constexpr std::int64_t kNowSeconds = kNow / 1000;

const test::TestSigningKey& rsa_key() {
    static const auto key = test::TestSigningKey::rsa("rsa-1");
    return key;
}
const test::TestSigningKey& ec_key() {
    static const auto key = test::TestSigningKey::ec_p256("ec-1");
    return key;
}
// Not in the provider's key set.
const test::TestSigningKey& stranger_key() {
    static const auto key = test::TestSigningKey::rsa("rsa-1");  // same kid as the real one
    return key;
}

std::shared_ptr<const server::JsonWebKeySet> provider_keys() {
    return std::make_shared<const server::JsonWebKeySet>(
        server::JsonWebKeySet::parse(test::jwks_of({&rsa_key(), &ec_key()})).value());
}

server::LoginProvider provider() {
    return {"accounts.example.com", "https://accounts.example.com", {"client-a", "client-b"}};
}

json claims() {
    return {{"iss", "https://accounts.example.com"},
            {"aud", "client-a"},
            {"sub", "user-1"},
            {"iat", kNowSeconds - 10},
            {"exp", kNowSeconds + 3600}};
}

json header_of(const char* alg, const char* kid) {
    return {{"alg", alg}, {"typ", "JWT"}, {"kid", kid}};
}

const LoginTokenVerifier& verifier() {
    static const LoginTokenVerifier v(provider(), provider_keys());
    return v;
}

// The reason a token is refused; also checks the code and that the message does not quote the token.
LoginTokenRejection rejection_of(const std::string& token, const LoginTokenVerifier& v = verifier(),
                                 server::EpochMillis now = kNow) {
    LoginTokenRejection why = LoginTokenRejection::none;
    auto result = v.verify(token, now, &why);
    if (result.ok()) {
        CHECK(why == LoginTokenRejection::none);
        return why;
    }
    CHECK(result.status().code() == Errc::unauthorized);
    CHECK_THAT(result.status().message(), Catch::Contains("accounts.example.com"));
    for (std::size_t dot = token.find('.'), start = 0; start < token.size();
         start = dot == std::string::npos ? token.size() : dot + 1, dot = token.find('.', start)) {
        const std::string part = token.substr(start, dot == std::string::npos ? dot : dot - start);
        if (part.size() > 8) CHECK_THAT(result.status().message(), !Catch::Contains(part));
    }
    return why;
}

json with(json object, const char* member, json value) {
    object[member] = std::move(value);
    return object;
}

json without(json object, const char* member) {
    object.erase(member);
    return object;
}

}  // namespace

TEST_CASE("Login tokens: a valid RS256 token gives the provider, subject and expiry", "[server][jwt]") {
    LoginTokenRejection why = LoginTokenRejection::bad_signature;
    auto login = verifier().verify(rsa_key().jwt(claims()), kNow, &why);
    REQUIRE(login.ok());
    CHECK(why == LoginTokenRejection::none);
    CHECK(login->provider == "accounts.example.com");
    CHECK(login->subject == "user-1");
    CHECK(login->expires_at == (kNowSeconds + 3600) * 1000);
}

TEST_CASE("Login tokens: a valid ES256 token gives the provider and subject", "[server][jwt]") {
    auto login = verifier().verify(ec_key().jwt(with(claims(), "sub", "user-2")), kNow);
    REQUIRE(login.ok());
    CHECK(login->provider == "accounts.example.com");
    CHECK(login->subject == "user-2");
}

TEST_CASE("Login tokens: a wrong signature is refused", "[server][jwt]") {
    SECTION("signed by another key under the same kid") {
        CHECK(rejection_of(stranger_key().jwt(claims())) == LoginTokenRejection::bad_signature);
    }
    SECTION("claims changed after signing") {
        const std::string token = rsa_key().jwt(claims());
        const auto dot1 = token.find('.');
        const auto dot2 = token.find('.', dot1 + 1);
        const std::string forged = token.substr(0, dot1 + 1) +
                                   server::base64url(with(claims(), "sub", "admin").dump()) +
                                   token.substr(dot2);
        CHECK(rejection_of(forged) == LoginTokenRejection::bad_signature);
    }
    SECTION("a flipped bit in the signature, RS256 and ES256") {
        for (const auto* key : {&rsa_key(), &ec_key()}) {
            const std::string signed_part =
                server::base64url(
                    header_of(key == &rsa_key() ? "RS256" : "ES256", key->kid().c_str()).dump()) +
                "." + server::base64url(claims().dump());
            std::string signature = key->sign(signed_part);
            signature[signature.size() / 2] = static_cast<char>(signature[signature.size() / 2] ^ 0x01);
            CHECK(rejection_of(signed_part + "." + server::base64url(signature)) ==
                  LoginTokenRejection::bad_signature);
        }
    }
    SECTION("an ES256 signature of the wrong length (DER instead of r || s)") {
        const std::string signed_part =
            server::base64url(header_of("ES256", "ec-1").dump()) + "." + server::base64url(claims().dump());
        const std::string raw = ec_key().sign(signed_part);
        CHECK(rejection_of(signed_part + "." + server::base64url(raw + raw)) ==
              LoginTokenRejection::bad_signature);
        CHECK(rejection_of(signed_part + "." + server::base64url(raw.substr(1))) ==
              LoginTokenRejection::bad_signature);
    }
}

TEST_CASE("Login tokens: expired tokens are refused, within the clock skew they pass", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", kNowSeconds - 61))) ==
          LoginTokenRejection::expired);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", kNowSeconds - 60))) ==
          LoginTokenRejection::expired);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", kNowSeconds - 59))) == LoginTokenRejection::none);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", static_cast<double>(kNowSeconds) + 0.5))) ==
          LoginTokenRejection::none);

    auto strict = provider();
    strict.clock_skew = std::chrono::seconds(0);
    const LoginTokenVerifier no_skew(strict, provider_keys());
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", kNowSeconds)), no_skew) ==
          LoginTokenRejection::expired);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", kNowSeconds + 1)), no_skew) ==
          LoginTokenRejection::none);
}

TEST_CASE("Login tokens: a token not valid yet (nbf) is refused", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "nbf", kNowSeconds + 61))) ==
          LoginTokenRejection::not_yet_valid);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "nbf", kNowSeconds + 60))) == LoginTokenRejection::none);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "nbf", kNowSeconds - 5))) == LoginTokenRejection::none);
}

TEST_CASE("Login tokens: a token issued in the future (iat) is refused", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "iat", kNowSeconds + 120))) ==
          LoginTokenRejection::issued_in_future);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "iat", kNowSeconds + 30))) == LoginTokenRejection::none);
    CHECK(rejection_of(rsa_key().jwt(without(claims(), "iat"))) == LoginTokenRejection::none);
}

TEST_CASE("Login tokens: a wrong issuer is refused", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "iss", "https://evil.example.com"))) ==
          LoginTokenRejection::wrong_issuer);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "iss", "https://accounts.example.com/"))) ==
          LoginTokenRejection::wrong_issuer);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "iss", json::array({"https://accounts.example.com"})))) ==
          LoginTokenRejection::wrong_issuer);
    CHECK(rejection_of(rsa_key().jwt(without(claims(), "iss"))) == LoginTokenRejection::wrong_issuer);
}

TEST_CASE("Login tokens: a wrong audience is refused", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "aud", "client-z"))) ==
          LoginTokenRejection::wrong_audience);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "aud", json::array({"client-y", "client-z"})))) ==
          LoginTokenRejection::wrong_audience);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "aud", json::array()))) ==
          LoginTokenRejection::wrong_audience);
    CHECK(rejection_of(rsa_key().jwt(without(claims(), "aud"))) == LoginTokenRejection::wrong_audience);
    // client_id (Cognito user pool access tokens) does not stand in for aud.
    CHECK(rejection_of(rsa_key().jwt(with(without(claims(), "aud"), "client_id", "client-a"))) ==
          LoginTokenRejection::wrong_audience);
}

TEST_CASE("Login tokens: an audience array containing an accepted client id passes", "[server][jwt]") {
    auto login =
        verifier().verify(rsa_key().jwt(with(claims(), "aud", json::array({"other", 7, "client-b"}))), kNow);
    REQUIRE(login.ok());
    CHECK(login->subject == "user-1");
}

TEST_CASE("Login tokens: an unknown kid is refused as such, and passes once the key set has it",
          "[server][jwt]") {
    const auto newcomer = test::TestSigningKey::rsa("rsa-2");
    LoginTokenVerifier v(provider(), provider_keys());
    const std::string token = newcomer.jwt(claims());
    CHECK(rejection_of(token, v) == LoginTokenRejection::unknown_key);

    // What a caller does on unknown_key: fetch the provider's keys again and swap them in.
    v.replace_keys(std::make_shared<const server::JsonWebKeySet>(
        server::JsonWebKeySet::parse(test::jwks_of({&rsa_key(), &newcomer})).value()));
    CHECK(rejection_of(token, v) == LoginTokenRejection::none);
    CHECK(rejection_of(ec_key().jwt(claims()), v) == LoginTokenRejection::unknown_key);  // rotated out

    const LoginTokenVerifier no_keys_yet(provider(), nullptr);
    CHECK(rejection_of(rsa_key().jwt(claims()), no_keys_yet) == LoginTokenRejection::unknown_key);
}

TEST_CASE("Login tokens: alg none with an empty signature is refused", "[server][jwt]") {
    CHECK(rejection_of(test::assemble_jwt(R"({"alg":"none","typ":"JWT"})", claims().dump(), "")) ==
          LoginTokenRejection::unsupported_algorithm);
    CHECK(rejection_of(test::assemble_jwt(R"({"alg":"none","kid":"rsa-1"})", claims().dump(), "")) ==
          LoginTokenRejection::unsupported_algorithm);
}

TEST_CASE("Login tokens: HS256 keyed with the RSA public key is refused", "[server][jwt]") {
    const std::string header = header_of("HS256", "rsa-1").dump();
    const std::string signed_part = server::base64url(header) + "." + server::base64url(claims().dump());
    for (const std::string& secret : {rsa_key().public_key_der(), rsa_key().jwks()}) {
        const std::string forged =
            signed_part + "." + server::base64url(sync::detail::hmac_sha256(secret, signed_part));
        CHECK(rejection_of(forged) == LoginTokenRejection::unsupported_algorithm);
    }
}

TEST_CASE("Login tokens: an alg that does not match the kid's key type is refused", "[server][jwt]") {
    // RS256 claimed, the kid names the EC key, the signature made with that EC key.
    CHECK(rejection_of(ec_key().jwt(header_of("RS256", "ec-1"), claims())) ==
          LoginTokenRejection::key_mismatch);
    // ES256 claimed, the kid names the RSA key.
    CHECK(rejection_of(rsa_key().jwt(header_of("ES256", "rsa-1"), claims())) ==
          LoginTokenRejection::key_mismatch);
    CHECK(rejection_of(rsa_key().jwt(header_of("RS512", "rsa-1"), claims())) ==
          LoginTokenRejection::unsupported_algorithm);
}

TEST_CASE("Login tokens: more than 50,000 characters is refused before decoding", "[server][jwt]") {
    CHECK(rejection_of(std::string(50'001, 'a')) == LoginTokenRejection::too_long);
    CHECK(rejection_of(std::string(50'000, 'a')) == LoginTokenRejection::malformed);

    // A valid token of up to 50,000 characters passes; one more character of claims and it does not.
    std::string padding(37'000, 'p');
    std::string token = rsa_key().jwt(with(claims(), "pad", padding));
    while (token.size() < 50'000) {
        padding += 'p';
        token = rsa_key().jwt(with(claims(), "pad", padding));
    }
    if (token.size() > 50'000) padding.pop_back();
    token = rsa_key().jwt(with(claims(), "pad", padding));
    REQUIRE(token.size() <= 50'000);
    REQUIRE(token.size() >= 49'998);
    CHECK(rejection_of(token) == LoginTokenRejection::none);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "pad", padding + "pp"))) ==
          LoginTokenRejection::too_long);
}

TEST_CASE("Login tokens: malformed tokens are refused", "[server][jwt]") {
    const std::string good = rsa_key().jwt(claims());
    const auto dot1 = good.find('.');
    const auto dot2 = good.find('.', dot1 + 1);

    SECTION("not three parts") {
        CHECK(rejection_of("") == LoginTokenRejection::malformed);
        CHECK(rejection_of(good.substr(0, dot2)) == LoginTokenRejection::malformed);  // two parts
        CHECK(rejection_of(good + ".") == LoginTokenRejection::malformed);
        CHECK(rejection_of(good + "." + good.substr(dot2 + 1)) == LoginTokenRejection::malformed);
    }
    SECTION("bad base64url") {
        CHECK(rejection_of("=" + good) == LoginTokenRejection::malformed);
        CHECK(rejection_of(good + "=") == LoginTokenRejection::malformed);
        std::string plus = good;
        plus[dot2 + 3] = '+';
        CHECK(rejection_of(plus) == LoginTokenRejection::malformed);
    }
    SECTION("a header that is not a JSON object, or lacks alg or kid, or names crit") {
        CHECK(rejection_of(test::assemble_jwt("\"RS256\"", claims().dump(), "x")) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(test::assemble_jwt("{\"alg\":", claims().dump(), "x")) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(json{{"kid", "rsa-1"}}, claims())) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(json{{"alg", "RS256"}}, claims())) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(with(header_of("RS256", "rsa-1"), "crit", json::array({"exp"})),
                                         claims())) == LoginTokenRejection::unsupported_algorithm);
    }
    SECTION("JSON nested 100 deep, in the header or in signed claims") {
        std::string deep = std::string(100, '[') + std::string(100, ']');
        CHECK(rejection_of(test::assemble_jwt(R"({"alg":"RS256","kid":"rsa-1","x":)" + deep + "}",
                                              claims().dump(), "x")) == LoginTokenRejection::malformed);
        const std::string claims_text = claims().dump();
        const std::string deep_claims =
            claims_text.substr(0, claims_text.size() - 1) + R"(,"x":)" + deep + "}";
        const std::string signed_part =
            server::base64url(header_of("RS256", "rsa-1").dump()) + "." + server::base64url(deep_claims);
        CHECK(rejection_of(signed_part + "." + server::base64url(rsa_key().sign(signed_part))) ==
              LoginTokenRejection::malformed);
    }
    SECTION("signed claims that are not an object") {
        CHECK(rejection_of(rsa_key().jwt(header_of("RS256", "rsa-1"), json::array({claims()}))) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(header_of("RS256", "rsa-1"), "user-1")) ==
              LoginTokenRejection::malformed);
    }
    SECTION("exp missing or not a NumericDate") {
        CHECK(rejection_of(rsa_key().jwt(without(claims(), "exp"))) == LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", std::to_string(kNowSeconds + 3600)))) ==
              LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", -1))) == LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(with(claims(), "exp", 1e300))) == LoginTokenRejection::malformed);
        CHECK(rejection_of(rsa_key().jwt(with(claims(), "nbf", "soon"))) == LoginTokenRejection::malformed);
    }
}

TEST_CASE("Login tokens: sub must be a non-empty string of at most 255 bytes", "[server][jwt]") {
    CHECK(rejection_of(rsa_key().jwt(without(claims(), "sub"))) == LoginTokenRejection::bad_subject);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "sub", ""))) == LoginTokenRejection::bad_subject);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "sub", 12345))) == LoginTokenRejection::bad_subject);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "sub", std::string(256, 's')))) ==
          LoginTokenRejection::bad_subject);
    CHECK(rejection_of(rsa_key().jwt(with(claims(), "sub", std::string(255, 's')))) ==
          LoginTokenRejection::none);
}

TEST_CASE("Login tokens: verifications on many threads while the key set is replaced", "[server][jwt]") {
    LoginTokenVerifier v(provider(), provider_keys());
    const std::string token = ec_key().jwt(claims());
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                if (!v.verify(token, kNow).ok()) ++failures;
            }
        });
    }
    threads.emplace_back([&] {
        while (!stop)
            v.replace_keys(provider_keys());
    });
    for (int t = 0; t < 3; ++t)
        threads[static_cast<std::size_t>(t)].join();
    stop = true;
    threads.back().join();
    CHECK(failures == 0);
}
