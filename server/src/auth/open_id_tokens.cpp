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
    : issuer_(std::move(issuer)) {
    current_->keys = make_keys(std::move(current), std::move(previous));
}

void OpenIdTokens::replace_keys(SigningKey current, std::optional<SigningKey> previous) {
    auto keys = make_keys(std::move(current), std::move(previous));
    std::lock_guard lock(current_->mutex);
    current_->keys = std::move(keys);
}

std::shared_ptr<const OpenIdTokens::Keys> OpenIdTokens::keys() const {
    std::lock_guard lock(current_->mutex);
    return current_->keys;
}

std::shared_ptr<const OpenIdTokens::Keys> OpenIdTokens::make_keys(SigningKey current,
                                                                  std::optional<SigningKey> previous) {
    auto keys = std::make_shared<Keys>();
    keys->current = std::move(current);
    std::vector<JsonWebKey> published{keys->current.public_key};
    // A previous key that is a copy of the current one is published once.
    if (previous && previous->public_key.kid != keys->current.public_key.kid)
        published.push_back(previous->public_key);
    keys->published = std::make_shared<const JsonWebKeySet>(std::move(published));
    // Public RSA keys of bounded size always write; an empty set would only hide a bug, so assert.
    auto jwks = keys->published->to_json();
    assert(jwks.ok() && "our own public keys write as JWKS");
    keys->jwks_json = std::move(jwks).value_or(std::string(R"({"keys":[]})"));
    return keys;
}

Result<std::string> OpenIdTokens::issue(std::string_view pool_id, std::string_view identity_id,
                                        EpochMillis now, const std::vector<std::string>& amr,
                                        EpochMillis lifetime_ms) const {
    if (lifetime_ms < 1000 || lifetime_ms > kMaxLifetimeMs) {
        return Status{Errc::invalid_argument,
                      "token duration must be 1 to " + std::to_string(kMaxLifetimeMs / 1000) + " seconds"};
    }
    const auto keys = this->keys();
    const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", keys->current.public_key.kid}};
    const nlohmann::json claims = {{"iss", issuer_},    {"sub", identity_id},
                                   {"aud", pool_id},    {"amr", amr},
                                   {"iat", now / 1000}, {"exp", (now + lifetime_ms) / 1000}};
    const std::string signed_part = base64url(header.dump()) + "." + base64url(claims.dump());
    auto signature = sign_rs256(*keys->current.private_key, signed_part);
    if (!signature.ok()) return signature.status();
    return signed_part + "." + base64url(*signature);
}

Result<VerifiedLogin> OpenIdTokens::verify(std::string_view token, std::string_view pool_id, EpochMillis now,
                                           LoginTokenRejection* rejection) const {
    // A verifier per call: it is a few strings and a shared_ptr, and the audience is the caller's pool.
    const LoginTokenVerifier verifier(
        LoginProvider{std::string(kLoginProvider), issuer_, {std::string(pool_id)}}, keys()->published);
    return verifier.verify(token, now, rejection);
}

}  // namespace synclatch::server
