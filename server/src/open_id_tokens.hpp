// OpenIdTokens: the OpenID Connect tokens of Cognito Identity's GetOpenIdToken (PROTOCOL.md §5), as JWTs
// signed with HS256 under a key derived from the server secret. Claims as Cognito's: iss (this server),
// sub (the identity id), aud (its identity pool), amr, iat and exp. Cognito signs with RS256 and publishes
// its keys; a service that must verify these tokens asks this server's operator for the key instead.
#pragma once

#include <string>
#include <string_view>

#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

// Thread-safety: const methods may be called from any thread.
class OpenIdTokens {
  public:
    static constexpr sync::EpochMillis kLifetimeMs = 15 * 60 * 1000;  // Cognito's default: 15 minutes

    OpenIdTokens(std::string_view server_secret, std::string issuer);

    std::string issue(std::string_view pool_id, std::string_view identity_id, sync::EpochMillis now) const;

  private:
    std::string key_;
    std::string issuer_;
};

}  // namespace synclatch::server
