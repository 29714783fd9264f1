// JsonWebKeySet: a provider's JWKS read into keys by kid, what the server cannot use skipped without
// losing the rest, malformed documents refused, and our keys written back as a JWKS that reads the same.
#include "auth/json_web_keys.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "encoding/base64url.hpp"
#include "support/test_signing_key.hpp"

using namespace synclatch;
using server::JsonWebKeySet;
using server::JsonWebKeyType;
using json = nlohmann::json;

namespace {

const test::TestSigningKey& rsa_key() {
    static const auto key = test::TestSigningKey::rsa("rsa-1");
    return key;
}

const test::TestSigningKey& ec_key() {
    static const auto key = test::TestSigningKey::ec_p256("ec-1");
    return key;
}

json jwk_of(const test::TestSigningKey& key) {
    return json::parse(key.jwks()).at("keys").at(0);
}

json document(json keys) {
    return json{{"keys", std::move(keys)}};
}

// A well-formed RSA JWK with a modulus of the given size (not a real key: only its size matters).
json rsa_jwk_of_bits(const std::string& kid, int bits) {
    std::string n(static_cast<std::size_t>(bits / 8), '\x55');
    n[0] = '\xc5';
    return {{"kty", "RSA"}, {"kid", kid}, {"n", server::base64url(n)}, {"e", "AQAB"}};
}

Status parse_status(const json& doc) {
    return JsonWebKeySet::parse(doc.dump()).status();
}

}  // namespace

TEST_CASE("JWKS: reads RSA and EC P-256 keys with their kid, alg and use", "[server][jwks]") {
    auto set = JsonWebKeySet::parse(document({jwk_of(rsa_key()), jwk_of(ec_key())}).dump());
    REQUIRE(set.ok());
    REQUIRE(set->keys().size() == 2);
    CHECK(set->skipped() == 0);

    const auto* rsa = set->find("rsa-1");
    REQUIRE(rsa != nullptr);
    CHECK(rsa->type == JsonWebKeyType::rsa);
    CHECK(rsa->alg == "RS256");
    CHECK(rsa->use == "sig");
    CHECK(rsa->key != nullptr);
    const auto* ec = set->find("ec-1");
    REQUIRE(ec != nullptr);
    CHECK(ec->type == JsonWebKeyType::ec_p256);
    CHECK(ec->alg == "ES256");
    CHECK(set->find("rsa-2") == nullptr);
    CHECK(set->find("") == nullptr);
}

TEST_CASE("JWKS: alg and use are optional", "[server][jwks]") {
    json bare = jwk_of(rsa_key());
    bare.erase("alg");
    bare.erase("use");
    auto set = JsonWebKeySet::parse(document(json::array({bare})).dump());
    INFO(set.status().to_string());
    REQUIRE(set.ok());
    REQUIRE(set->find("rsa-1") != nullptr);
    CHECK(set->find("rsa-1")->alg.empty());
    CHECK(set->find("rsa-1")->use.empty());
}

TEST_CASE("JWKS: written keys read back as the same keys", "[server][jwks]") {
    const std::string written = test::jwks_of({&rsa_key(), &ec_key()});
    auto set = JsonWebKeySet::parse(written);
    REQUIRE(set.ok());
    REQUIRE(set->keys().size() == 2);
    CHECK(set->to_json().value() == written);
    // Public members only: no private exponent, primes or EC private scalar.
    const json published = json::parse(written);
    REQUIRE(published.at("keys").size() == 2);
    for (const auto& jwk : published.at("keys")) {
        for (const char* secret : {"d", "p", "q", "dp", "dq", "qi"})
            CHECK_FALSE(jwk.contains(secret));
    }
    const json rsa = json::parse(written).at("keys").at(0);
    CHECK(rsa.at("kty") == "RSA");
    CHECK(rsa.at("e") == "AQAB");
    CHECK(server::decode_base64url(rsa.at("n").get<std::string>())->size() == 256);  // 2048 bits
    const json ec = json::parse(written).at("keys").at(1);
    CHECK(ec.at("kty") == "EC");
    CHECK(ec.at("crv") == "P-256");
    CHECK(server::decode_base64url(ec.at("x").get<std::string>())->size() == 32);
}

TEST_CASE("JWKS: keys the server cannot use are skipped, the others kept", "[server][jwks]") {
    json p384 = jwk_of(ec_key());
    p384["crv"] = "P-384";
    json encryption = jwk_of(rsa_key());
    encryption["kid"] = "enc";
    encryption["use"] = "enc";
    json rs512 = jwk_of(rsa_key());
    rs512["kid"] = "rs512";
    rs512["alg"] = "RS512";
    json no_kid = jwk_of(rsa_key());
    no_kid.erase("kid");
    json duplicate = jwk_of(ec_key());
    duplicate["kid"] = "rsa-1";  // the first key of a kid keeps it
    json even_exponent = jwk_of(rsa_key());
    even_exponent["kid"] = "even";
    even_exponent["e"] = server::base64url("\x01\x00\x00");

    const json doc = document({
        {{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
        {{"kty", "OKP"},
         {"kid", "ed"},
         {"crv", "Ed25519"},
         {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
        p384,
        encryption,
        rs512,
        no_kid,
        rsa_jwk_of_bits("small", 1024),
        rsa_jwk_of_bits("huge", 8200),
        jwk_of(rsa_key()),
        duplicate,
        even_exponent,
        jwk_of(ec_key()),
    });
    auto set = JsonWebKeySet::parse(doc.dump());
    REQUIRE(set.ok());
    CHECK(set->keys().size() == 2);
    CHECK(set->skipped() == 10);
    REQUIRE(set->find("rsa-1") != nullptr);
    CHECK(set->find("rsa-1")->type == JsonWebKeyType::rsa);
    CHECK(set->find("ec-1") != nullptr);
    for (const char* skipped : {"hmac", "ed", "enc", "rs512", "small", "huge", "even"})
        CHECK(set->find(skipped) == nullptr);

    // The bounds themselves are inside: 2048 and 8192 bits are kept (checked for size only).
    CHECK(
        JsonWebKeySet::parse(document(json::array({rsa_jwk_of_bits("8192", 8192)})).dump())->keys().size() ==
        1);
    CHECK(JsonWebKeySet::parse(document(json::array()).dump())->keys().empty());
}

TEST_CASE("JWKS: a malformed document is refused", "[server][jwks]") {
    const json good = jwk_of(rsa_key());
    auto with = [&](const char* member, json value) {
        json key = good;
        key[member] = std::move(value);
        return document(json::array({key}));
    };
    auto without = [&](const char* member) {
        json key = good;
        key.erase(member);
        return document(json::array({key}));
    };

    SECTION("not JSON, or not a JWKS") {
        CHECK(JsonWebKeySet::parse("").status().code() == Errc::invalid_argument);
        CHECK(JsonWebKeySet::parse("{\"keys\": [").status().code() == Errc::invalid_argument);
        CHECK(parse_status(json::array({good})).code() == Errc::invalid_argument);
        CHECK(parse_status(json::object()).code() == Errc::invalid_argument);
        CHECK(parse_status(json{{"keys", good}}).code() == Errc::invalid_argument);
        CHECK(parse_status(document({good, 42})).code() == Errc::invalid_argument);
    }
    SECTION("members of the wrong JSON type") {
        CHECK(parse_status(without("kty")).code() == Errc::invalid_argument);
        CHECK(parse_status(with("kty", 1)).code() == Errc::invalid_argument);
        CHECK(parse_status(with("kid", json::array({"rsa-1"}))).code() == Errc::invalid_argument);
        CHECK(parse_status(with("use", true)).code() == Errc::invalid_argument);
        CHECK(parse_status(with("n", 12345)).code() == Errc::invalid_argument);
        CHECK(parse_status(with("kid", std::string(257, 'k'))).code() == Errc::invalid_argument);
    }
    SECTION("key material missing or not base64url") {
        CHECK(parse_status(without("n")).code() == Errc::invalid_argument);
        CHECK(parse_status(without("e")).code() == Errc::invalid_argument);
        CHECK(parse_status(with("e", "AQAB=")).code() == Errc::invalid_argument);
        CHECK(parse_status(with("n", "not base64url!")).code() == Errc::invalid_argument);
    }
    SECTION("EC coordinates of the wrong size, or a point not on P-256") {
        const json ec = jwk_of(ec_key());
        json short_x = ec;
        short_x["x"] = server::base64url(std::string(31, '\x01'));
        CHECK(parse_status(document(json::array({short_x}))).code() == Errc::invalid_argument);
        json off_curve = ec;
        off_curve["x"] = server::base64url(std::string(32, '\x01'));
        off_curve["y"] = server::base64url(std::string(32, '\x01'));
        CHECK(parse_status(document(json::array({off_curve}))).code() == Errc::invalid_argument);
    }
    SECTION("beyond the bounds: keys, bytes, nesting") {
        json many = json::array();
        for (int i = 0; i < 101; ++i)
            many.push_back({{"kty", "oct"}, {"kid", std::to_string(i)}});
        CHECK(parse_status(document(many)).code() == Errc::invalid_argument);
        many.erase(many.begin());
        CHECK(JsonWebKeySet::parse(document(many).dump()).ok());  // 100 is allowed

        json padded = document(json::array({good}));
        padded["padding"] = std::string(JsonWebKeySet::kMaxDocumentBytes, ' ');
        CHECK(parse_status(padded).code() == Errc::invalid_argument);

        json deep = good;
        for (int i = 0; i < 100; ++i)
            deep = json::array({deep});
        CHECK(parse_status(document({good, deep})).code() == Errc::invalid_argument);
    }
}
