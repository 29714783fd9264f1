// JWT verification in the order that exposes least to an unauthenticated sender: the size, the header,
// the key and the signature first; the claims are decoded only once the signature holds.
#include "auth/login_token_verifier.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/openssl_handles.hpp"
#include "encoding/base64url.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::size_t kEs256SignatureBytes = 64;  // r || s, 32 bytes each (RFC 7518 §3.4)
// NumericDate bounds: past year 9999 a date is nonsense, and milliseconds of it still fit in 64 bits.
constexpr double kMaxNumericDate = 253'402'300'799.0;

struct Refusal {
    LoginTokenRejection why;
    std::string what;
};

// A NumericDate claim (seconds, possibly fractional) in milliseconds; nullopt for any other JSON.
std::optional<EpochMillis> numeric_date(const json& value) {
    if (!value.is_number()) return std::nullopt;
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxNumericDate) return std::nullopt;
    if (value.is_number_integer()) return value.get<EpochMillis>() * 1000;
    return static_cast<EpochMillis>(std::floor(seconds * 1000));
}

// JWS's ES256 signature is r || s; OpenSSL verifies the DER SEQUENCE {r, s} of X9.62.
std::optional<std::string> es256_to_der(const std::string& raw) {
    if (raw.size() != kEs256SignatureBytes) return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    ossl::Bignum r(BN_bin2bn(bytes, 32, nullptr));
    ossl::Bignum s(BN_bin2bn(bytes + 32, 32, nullptr));
    ossl::EcdsaSignature signature(ECDSA_SIG_new());
    if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) return std::nullopt;
    r.release();  // owned by signature now
    s.release();
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(signature.get(), &der);
    if (length <= 0) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

bool signature_holds(const JsonWebKey& key, std::string_view signed_part, const std::string& signature) {
    std::string der;
    if (key.type == JsonWebKeyType::ec_p256) {
        auto converted = es256_to_der(signature);
        if (!converted) return false;
        der = std::move(*converted);
    }
    const std::string& checked = key.type == JsonWebKeyType::ec_p256 ? der : signature;
    const ossl::DigestContext context(EVP_MD_CTX_new());
    // RSA keys default to PKCS #1 v1.5 padding, which is RS256's.
    return context &&
           EVP_DigestVerifyInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, key.key.get(),
                                   nullptr) == 1 &&
           EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(checked.data()),
                            checked.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
}

// The decoded JSON object of a base64url part, or nullopt.
std::optional<json> json_object_part(std::string_view part) {
    auto text = decode_base64url(part);
    if (!text) return std::nullopt;
    json parsed = sync::parse_json_text(*text, sync::kJsonRequestLimits);
    if (!parsed.is_object()) return std::nullopt;
    return parsed;
}

bool audience_matches(const json& aud, const std::vector<std::string>& accepted) {
    auto accepts = [&](const json& one) {
        if (!one.is_string()) return false;
        const auto& name = one.get_ref<const std::string&>();
        for (const auto& a : accepted) {
            if (a == name) return true;
        }
        return false;
    };
    if (aud.is_string()) return accepts(aud);
    if (!aud.is_array()) return false;
    for (const auto& one : aud) {
        if (accepts(one)) return true;
    }
    return false;
}

// Checks everything but the claims, which it decodes once the signature holds.
std::optional<Refusal> check_signature(std::string_view token, const JsonWebKeySet* keys, json& claims) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return Refusal{LoginTokenRejection::malformed,
                       "not a JWS in compact form (three parts joined by '.')"};
    const std::string_view signed_part = token.substr(0, second);

    const auto header = json_object_part(token.substr(0, first));
    if (!header)
        return Refusal{LoginTokenRejection::malformed, "the header is not base64url of a JSON object"};
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string())
        return Refusal{LoginTokenRejection::malformed, "the header has no alg"};
    const auto& algorithm = alg->get_ref<const std::string&>();
    // Only asymmetric algorithms: "none" proves nothing, and HS256 keyed with a public key (the classic
    // confusion attack) would let anyone who can read the JWKS sign.
    if (algorithm != "RS256" && algorithm != "ES256")
        return Refusal{LoginTokenRejection::unsupported_algorithm, "alg must be RS256 or ES256"};
    // RFC 7515 §4.1.11: extensions named in crit must be understood, and we understand none.
    if (header->contains("crit"))
        return Refusal{LoginTokenRejection::unsupported_algorithm,
                       "crit header parameters are not supported"};
    const auto kid = header->find("kid");
    if (kid == header->end() || !kid->is_string())
        return Refusal{LoginTokenRejection::malformed, "the header has no kid"};

    const auto signature = decode_base64url(token.substr(second + 1));
    if (!signature) return Refusal{LoginTokenRejection::malformed, "the signature is not base64url"};
    const JsonWebKey* key = keys == nullptr ? nullptr : keys->find(kid->get_ref<const std::string&>());
    if (key == nullptr)
        return Refusal{LoginTokenRejection::unknown_key, "no key of the provider has the token's kid"};
    if (jws_algorithm(key->type) != algorithm) {
        return Refusal{LoginTokenRejection::key_mismatch,
                       "alg " + algorithm + " does not match the type of the key its kid names"};
    }
    if (!signature_holds(*key, signed_part, *signature))
        return Refusal{LoginTokenRejection::bad_signature, "the signature does not verify"};

    auto decoded = json_object_part(token.substr(first + 1, second - first - 1));
    if (!decoded)
        return Refusal{LoginTokenRejection::malformed, "the claims are not base64url of a JSON object"};
    claims = std::move(*decoded);
    return std::nullopt;
}

std::optional<Refusal> check_claims(const json& claims, const LoginProvider& provider, EpochMillis now,
                                    VerifiedLogin& login) {
    const auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string() || iss->get_ref<const std::string&>() != provider.issuer)
        return Refusal{LoginTokenRejection::wrong_issuer,
                       "iss is not the provider's issuer " + provider.issuer};
    const auto aud = claims.find("aud");
    if (aud == claims.end() || !audience_matches(*aud, provider.audiences))
        return Refusal{LoginTokenRejection::wrong_audience, "aud names none of the accepted client ids"};

    const EpochMillis skew =
        std::chrono::duration_cast<std::chrono::milliseconds>(provider.clock_skew).count();
    const auto exp_claim = claims.find("exp");
    const auto exp = exp_claim == claims.end() ? std::nullopt : numeric_date(*exp_claim);
    if (!exp) return Refusal{LoginTokenRejection::malformed, "exp is missing or not a NumericDate"};
    if (now >= *exp + skew) return Refusal{LoginTokenRejection::expired, "the token has expired"};
    const auto nbf_claim = claims.find("nbf");
    if (nbf_claim != claims.end()) {
        const auto nbf = numeric_date(*nbf_claim);
        if (!nbf) return Refusal{LoginTokenRejection::malformed, "nbf is not a NumericDate"};
        if (*nbf > now + skew)
            return Refusal{LoginTokenRejection::not_yet_valid, "the token is not valid yet (nbf)"};
    }
    const auto iat_claim = claims.find("iat");
    if (iat_claim != claims.end()) {
        const auto iat = numeric_date(*iat_claim);
        if (!iat) return Refusal{LoginTokenRejection::malformed, "iat is not a NumericDate"};
        if (*iat > now + skew)
            return Refusal{LoginTokenRejection::issued_in_future, "the token was issued in the future (iat)"};
    }

    const auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty() ||
        sub->get_ref<const std::string&>().size() > LoginTokenVerifier::kMaxSubjectBytes) {
        return Refusal{LoginTokenRejection::bad_subject,
                       "sub must be a string of 1 to " +
                           std::to_string(LoginTokenVerifier::kMaxSubjectBytes) + " bytes"};
    }
    login.provider = provider.name;
    login.subject = sub->get<std::string>();
    login.expires_at = *exp;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(LoginTokenRejection rejection) noexcept {
    switch (rejection) {
        case LoginTokenRejection::none:
            return "none";
        case LoginTokenRejection::too_long:
            return "too_long";
        case LoginTokenRejection::malformed:
            return "malformed";
        case LoginTokenRejection::unsupported_algorithm:
            return "unsupported_algorithm";
        case LoginTokenRejection::unknown_key:
            return "unknown_key";
        case LoginTokenRejection::key_mismatch:
            return "key_mismatch";
        case LoginTokenRejection::bad_signature:
            return "bad_signature";
        case LoginTokenRejection::wrong_issuer:
            return "wrong_issuer";
        case LoginTokenRejection::wrong_audience:
            return "wrong_audience";
        case LoginTokenRejection::expired:
            return "expired";
        case LoginTokenRejection::not_yet_valid:
            return "not_yet_valid";
        case LoginTokenRejection::issued_in_future:
            return "issued_in_future";
        case LoginTokenRejection::bad_subject:
            return "bad_subject";
    }
    return "unknown";
}

LoginTokenVerifier::LoginTokenVerifier(LoginProvider provider, std::shared_ptr<const JsonWebKeySet> keys)
    : provider_(std::move(provider)), keys_(std::move(keys)) {}

Result<VerifiedLogin> LoginTokenVerifier::verify(std::string_view token, EpochMillis now,
                                                 LoginTokenRejection* rejection) const {
    std::optional<Refusal> refusal;
    VerifiedLogin login;
    if (token.size() > kMaxTokenChars) {
        refusal = Refusal{LoginTokenRejection::too_long,
                          "longer than " + std::to_string(kMaxTokenChars) + " characters"};
    } else {
        const auto keys = this->keys();  // a snapshot: a refresh meanwhile does not change it
        json claims;
        refusal = check_signature(token, keys.get(), claims);
        if (!refusal) refusal = check_claims(claims, provider_, now, login);
    }
    if (rejection != nullptr) *rejection = refusal ? refusal->why : LoginTokenRejection::none;
    if (refusal) return Status{Errc::unauthorized, "login token of " + provider_.name + ": " + refusal->what};
    return login;
}

void LoginTokenVerifier::replace_keys(std::shared_ptr<const JsonWebKeySet> keys) {
    const std::lock_guard lock(mutex_);
    keys_.swap(keys);
}  // the old set, now in keys, is freed after the lock is released

std::shared_ptr<const JsonWebKeySet> LoginTokenVerifier::keys() const {
    const std::lock_guard lock(mutex_);
    return keys_;
}

}  // namespace synclatch::server
