// JWT (RFC 7519) with HS256: base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256).
#include "open_id_tokens.hpp"

#include <nlohmann/json.hpp>

#include "base64url.hpp"
#include "crypto.hpp"

namespace synclatch::server {

OpenIdTokens::OpenIdTokens(std::string_view server_secret, std::string issuer)
    // A key of its own, so that a token of one kind can never pass for a token of another.
    : key_(sync::detail::hmac_sha256(server_secret, "synclatch openid token key")),
      issuer_(std::move(issuer)) {}

std::string OpenIdTokens::issue(std::string_view pool_id, std::string_view identity_id,
                                sync::EpochMillis now) const {
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    const nlohmann::json claims = {{"iss", issuer_},    {"sub", identity_id},
                                   {"aud", pool_id},    {"amr", {"unauthenticated"}},
                                   {"iat", now / 1000}, {"exp", (now + kLifetimeMs) / 1000}};
    const std::string signed_part = base64url(header.dump()) + "." + base64url(claims.dump());
    return signed_part + "." + base64url(sync::detail::hmac_sha256(key_, signed_part));
}

}  // namespace synclatch::server
