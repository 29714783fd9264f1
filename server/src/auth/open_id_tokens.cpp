// JWT (RFC 7519) with RS256: base64url(header) "." base64url(claims) "." base64url(RSASSA-PKCS1-v1_5
// SHA-256 signature), the header naming the kid of the signing key.
#include "auth/open_id_tokens.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <nlohmann/json.hpp>

#include "auth/openssl_handles.hpp"
#include "encoding/base64url.hpp"

namespace synclatch::server {

namespace {

Result<std::string> sign_rs256(EVP_PKEY& key, std::string_view data) {
    const ossl::DigestContext context(EVP_MD_CTX_new());
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t size = 0;
    if (!context ||
        EVP_DigestSignInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, &key, nullptr) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &size, bytes, data.size()) != 1) {
        return Status{Errc::internal, "cannot sign the OpenID token"};
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, bytes,
                       data.size()) != 1) {
        return Status{Errc::internal, "cannot sign the OpenID token"};
    }
    signature.resize(size);
    return signature;
}

}  // namespace

Result<OpenIdTokens> OpenIdTokens::open(const std::filesystem::path& data_dir, std::string issuer) {
    auto current = read_or_create_signing_key(data_dir / kKeyFile);
    if (!current.ok()) return current.status();
    auto previous = read_signing_key(data_dir / kPreviousKeyFile);
    if (!previous.ok()) return previous.status();
    return OpenIdTokens(std::move(current).value(), std::move(previous).value(), std::move(issuer));
}

OpenIdTokens::OpenIdTokens(SigningKey current, std::optional<SigningKey> previous, std::string issuer)
    : current_(std::move(current)), issuer_(std::move(issuer)) {
    std::vector<JsonWebKey> keys{current_.public_key};
    // A previous file that is a copy of the current one is published once.
    if (previous && previous->public_key.kid != current_.public_key.kid) keys.push_back(previous->public_key);
    published_ = std::make_shared<const JsonWebKeySet>(std::move(keys));
    // Public RSA keys of bounded size always write; an empty set would only hide a bug, so assert.
    auto jwks = published_->to_json();
    assert(jwks.ok() && "our own public keys write as JWKS");
    jwks_json_ = std::move(jwks).value_or(std::string(R"({"keys":[]})"));
}

Result<std::string> OpenIdTokens::issue(std::string_view pool_id, std::string_view identity_id,
                                        EpochMillis now, const std::vector<std::string>& amr,
                                        EpochMillis lifetime_ms) const {
    if (lifetime_ms < 1000 || lifetime_ms > kMaxLifetimeMs) {
        return Status{Errc::invalid_argument,
                      "token duration must be 1 to " + std::to_string(kMaxLifetimeMs / 1000) + " seconds"};
    }
    const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", current_.public_key.kid}};
    const nlohmann::json claims = {{"iss", issuer_},    {"sub", identity_id},
                                   {"aud", pool_id},    {"amr", amr},
                                   {"iat", now / 1000}, {"exp", (now + lifetime_ms) / 1000}};
    const std::string signed_part = base64url(header.dump()) + "." + base64url(claims.dump());
    auto signature = sign_rs256(*current_.private_key, signed_part);
    if (!signature.ok()) return signature.status();
    return signed_part + "." + base64url(*signature);
}

Result<VerifiedLogin> OpenIdTokens::verify(std::string_view token, std::string_view pool_id, EpochMillis now,
                                           LoginTokenRejection* rejection) const {
    // A verifier per call: it is a few strings and a shared_ptr, and the audience is the caller's pool.
    const LoginTokenVerifier verifier(
        LoginProvider{std::string(kLoginProvider), issuer_, {std::string(pool_id)}}, published_);
    return verifier.verify(token, now, rejection);
}

}  // namespace synclatch::server
