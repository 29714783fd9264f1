// JWKS parsing: metadata first (what to skip), then the key material, built with EVP_PKEY_fromdata so no
// deprecated RSA/EC_KEY object is involved; and the reverse, a key's public parameters as JWK members.
#include "auth/json_web_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "auth/openssl_handles.hpp"
#include "encoding/base64url.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::size_t kP256CoordinateBytes = 32;

Status malformed(const std::string& what) {
    return {Errc::invalid_argument, "JWKS: " + what};
}

const unsigned char* bytes_of(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// A string member: nullopt when absent, an error when present but not a string.
Result<std::optional<std::string>> optional_string(const json& object, const char* name, std::size_t at) {
    const auto found = object.find(name);
    if (found == object.end()) return std::optional<std::string>();
    if (!found->is_string())
        return malformed("key " + std::to_string(at) + ": \"" + name + "\" is not a string");
    return std::optional<std::string>(found->get<std::string>());
}

// A required base64url member, decoded.
Result<std::string> binary_member(const json& object, const char* name, std::size_t at) {
    auto text = optional_string(object, name, at);
    if (!text.ok()) return text.status();
    if (!*text) return malformed("key " + std::to_string(at) + ": \"" + name + "\" is missing");
    auto bytes = decode_base64url(**text);
    if (!bytes) return malformed("key " + std::to_string(at) + ": \"" + name + "\" is not base64url");
    return std::move(*bytes);
}

Result<ossl::Pkey> key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
    const ossl::Params params(OSSL_PARAM_BLD_to_param(builder));
    const ossl::PkeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* made = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &made, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return Status{Errc::invalid_argument, std::string("OpenSSL refuses the ") + type + " key"};
    }
    return ossl::Pkey(made);
}

// nullopt: a well-formed RSA key this server does not use (modulus outside the bounds, odd exponent).
Result<std::optional<ossl::Pkey>> rsa_key(const json& entry, std::size_t at) {
    auto n = binary_member(entry, "n", at);
    if (!n.ok()) return n.status();
    auto e = binary_member(entry, "e", at);
    if (!e.ok()) return e.status();
    const ossl::Bignum modulus(BN_bin2bn(bytes_of(*n), static_cast<int>(n->size()), nullptr));
    const ossl::Bignum exponent(BN_bin2bn(bytes_of(*e), static_cast<int>(e->size()), nullptr));
    if (!modulus || !exponent) return Status{Errc::internal, "JWKS: out of memory"};
    const int bits = BN_num_bits(modulus.get());
    if (bits < JsonWebKeySet::kMinRsaBits || bits > JsonWebKeySet::kMaxRsaBits)
        return std::optional<ossl::Pkey>();
    // A public exponent is odd, at least 3; OpenSSL refuses more than 64 bits for large moduli anyway.
    if (BN_num_bits(exponent.get()) > 64 || !BN_is_odd(exponent.get()) || BN_is_one(exponent.get()))
        return std::optional<ossl::Pkey>();

    const ossl::ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
        return Status{Errc::internal, "JWKS: out of memory"};
    }
    auto key = key_from_params("RSA", builder.get());
    if (!key.ok()) return malformed("key " + std::to_string(at) + ": " + key.status().message());
    return std::optional<ossl::Pkey>(std::move(key).value());
}

Result<ossl::Pkey> p256_key(const json& entry, std::size_t at) {
    auto x = binary_member(entry, "x", at);
    if (!x.ok()) return x.status();
    auto y = binary_member(entry, "y", at);
    if (!y.ok()) return y.status();
    // RFC 7518 §6.2.1.2: each coordinate is the full size of the field, leading zeros kept.
    if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes)
        return malformed("key " + std::to_string(at) + ": P-256 coordinates must be 32 bytes each");
    const std::string point = '\x04' + *x + *y;  // SEC 1 uncompressed point
    const ossl::ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return Status{Errc::internal, "JWKS: out of memory"};
    }
    auto key = key_from_params("EC", builder.get());
    if (!key.ok()) return malformed("key " + std::to_string(at) + ": " + key.status().message());
    // A point off the curve would let a crafted signature leak nothing here (we hold no private key), but
    // it is never a real key: refuse it rather than verify against it.
    const ossl::PkeyContext check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return malformed("key " + std::to_string(at) + ": the EC point is not on P-256");
    return key;
}

bool is_p256(const EVP_PKEY& key) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(&key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1)
        return false;
    const std::string_view name(group, length);
    return name == "prime256v1" || name == "P-256";
}

// The public half of a key (which may be a private key), as a key of its own.
Result<ossl::Pkey> public_half(const EVP_PKEY& key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(&key, &der);
    if (length <= 0) return Status{Errc::internal, "cannot encode the public key"};
    const unsigned char* read = der;
    ossl::Pkey copy(d2i_PUBKEY(nullptr, &read, length));
    OPENSSL_free(der);
    if (!copy) return Status{Errc::internal, "cannot decode the public key"};
    return copy;
}

Result<std::string> bignum_param(const EVP_PKEY& key, const char* name, int pad_to) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(&key, name, &raw) != 1) return Status{Errc::internal, "no key parameter"};
    const ossl::Bignum value(raw);
    const int size = pad_to > 0 ? pad_to : BN_num_bytes(value.get());
    std::string bytes(static_cast<std::size_t>(size), '\0');
    const int written = pad_to > 0
                            ? BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(bytes.data()), size)
                            : BN_bn2bin(value.get(), reinterpret_cast<unsigned char*>(bytes.data()));
    if (written != size) return Status{Errc::internal, "cannot write a key parameter"};
    return bytes;
}

}  // namespace

std::string_view jws_algorithm(JsonWebKeyType type) noexcept {
    return type == JsonWebKeyType::rsa ? "RS256" : "ES256";
}

Result<JsonWebKey> JsonWebKey::from_key(const evp_pkey_st& key, std::string kid) {
    JsonWebKey out;
    if (EVP_PKEY_is_a(&key, "RSA")) {
        const int bits = EVP_PKEY_get_bits(&key);
        if (bits < JsonWebKeySet::kMinRsaBits || bits > JsonWebKeySet::kMaxRsaBits)
            return Status{Errc::invalid_argument, "an RSA key of " + std::to_string(bits) + " bits"};
        out.type = JsonWebKeyType::rsa;
    } else if (EVP_PKEY_is_a(&key, "EC") && is_p256(key)) {
        out.type = JsonWebKeyType::ec_p256;
    } else {
        return Status{Errc::invalid_argument, "only RSA and EC P-256 keys are supported"};
    }
    auto public_key = public_half(key);
    if (!public_key.ok()) return public_key.status();
    out.kid = std::move(kid);
    out.alg = std::string(jws_algorithm(out.type));
    out.use = "sig";
    out.key = ossl::share(std::move(public_key).value());
    return out;
}

Result<JsonWebKeySet> JsonWebKeySet::parse(std::string_view document) {
    if (document.size() > kMaxDocumentBytes)
        return malformed("larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
    const json parsed = sync::parse_json_text(document, sync::kJsonRequestLimits);
    if (!parsed.is_object()) return malformed("not a JSON object (or nested too deep)");
    const auto keys = parsed.find("keys");
    if (keys == parsed.end() || !keys->is_array()) return malformed("no \"keys\" array");
    if (keys->size() > kMaxKeys) return malformed("more than " + std::to_string(kMaxKeys) + " keys");

    JsonWebKeySet set;
    for (std::size_t at = 0; at < keys->size(); ++at) {
        const json& entry = (*keys)[at];
        if (!entry.is_object()) return malformed("key " + std::to_string(at) + " is not an object");
        auto kty = optional_string(entry, "kty", at);
        auto kid = optional_string(entry, "kid", at);
        auto alg = optional_string(entry, "alg", at);
        auto use = optional_string(entry, "use", at);
        auto crv = optional_string(entry, "crv", at);
        for (const auto* member : {&kty, &kid, &alg, &use, &crv}) {
            if (!member->ok()) return member->status();
        }
        if (!*kty) return malformed("key " + std::to_string(at) + " has no \"kty\"");
        if (*kid && (*kid)->size() > kMaxKidBytes)
            return malformed("key " + std::to_string(at) + ": kid longer than " +
                             std::to_string(kMaxKidBytes));

        JsonWebKey key;
        if (**kty == "RSA") {
            key.type = JsonWebKeyType::rsa;
        } else if (**kty == "EC" && *crv == "P-256") {
            key.type = JsonWebKeyType::ec_p256;
        } else {
            ++set.skipped_;  // another kind of key (oct, OKP, another curve)
            continue;
        }
        const bool usable = *kid && !(*kid)->empty() && set.find(**kid) == nullptr &&
                            (!*use || **use == "sig") && (!*alg || **alg == jws_algorithm(key.type));
        if (!usable) {
            ++set.skipped_;
            continue;
        }
        if (key.type == JsonWebKeyType::rsa) {
            auto made = rsa_key(entry, at);
            if (!made.ok()) return made.status();
            if (!*made) {
                ++set.skipped_;
                continue;
            }
            key.key = ossl::share(std::move(**made));
        } else {
            auto made = p256_key(entry, at);
            if (!made.ok()) return made.status();
            key.key = ossl::share(std::move(made).value());
        }
        key.kid = std::move(**kid);
        key.alg = alg->value_or("");
        key.use = use->value_or("");
        set.keys_.push_back(std::move(key));
    }
    return set;
}

const JsonWebKey* JsonWebKeySet::find(std::string_view kid) const {
    for (const auto& key : keys_) {
        if (key.kid == kid) return &key;
    }
    return nullptr;
}

Result<std::string> JsonWebKeySet::to_json() const {
    json keys = json::array();
    for (const auto& key : keys_) {
        auto jwk = to_jwk(key);
        if (!jwk.ok()) return jwk.status();
        keys.push_back(std::move(jwk).value());
    }
    return json{{"keys", std::move(keys)}}.dump();
}

Result<json> to_jwk(const JsonWebKey& key) {
    if (!key.key) return Status{Errc::invalid_argument, "JWK " + key.kid + " has no key"};
    json jwk = {{"kid", key.kid}, {"use", "sig"}, {"alg", jws_algorithm(key.type)}};
    if (key.type == JsonWebKeyType::rsa) {
        auto n = bignum_param(*key.key, OSSL_PKEY_PARAM_RSA_N, 0);
        auto e = bignum_param(*key.key, OSSL_PKEY_PARAM_RSA_E, 0);
        if (!n.ok() || !e.ok()) return Status{Errc::internal, "JWK " + key.kid + ": not an RSA key"};
        jwk["kty"] = "RSA";
        jwk["n"] = base64url(*n);
        jwk["e"] = base64url(*e);
    } else {
        const int size = static_cast<int>(kP256CoordinateBytes);
        auto x = bignum_param(*key.key, OSSL_PKEY_PARAM_EC_PUB_X, size);
        auto y = bignum_param(*key.key, OSSL_PKEY_PARAM_EC_PUB_Y, size);
        if (!x.ok() || !y.ok()) return Status{Errc::internal, "JWK " + key.kid + ": not an EC key"};
        jwk["kty"] = "EC";
        jwk["crv"] = "P-256";
        jwk["x"] = base64url(*x);
        jwk["y"] = base64url(*y);
    }
    return jwk;
}

}  // namespace synclatch::server
