// DeveloperIdentities: the app backend's side of developer-authenticated identities (docs/identity.md,
// "Developer-authenticated identities"). The backend signs its user in by its own means, then asks
// synclatch-server for that user's identity and an OpenID token for it (GetOpenIdTokenForDeveloperIdentity,
// signed with the developer's credentials, the server's --admin-key), and hands the token to the user's
// device. The device signs in with it (Client::sign_in with device_logins()): the developer key never
// leaves the backend.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::platform {

struct DeveloperToken {
    std::string identity_id;  // the user's identity
    std::string token;        // an OpenID token for it, this server's (RS256), for the device
};

// Thread-safety: every method may be called from several threads at once; each blocks the calling thread
// for at most its deadline.
class DeveloperIdentities {
  public:
    // invalid_argument for an endpoint the HTTP client cannot use.
    static Result<std::unique_ptr<DeveloperIdentities>> open(const sync::Endpoint& endpoint,
                                                             sync::sigv4::Credentials developer,
                                                             const HttpClientOptions& http_options = {});
    ~DeveloperIdentities();
    DeveloperIdentities(const DeveloperIdentities&) = delete;
    DeveloperIdentities& operator=(const DeveloperIdentities&) = delete;

    // The identity of `user_id` under the pool's developer provider (made when the user is new) and a token
    // for it, valid for `duration` (1 s to 24 h). With link_identity (a device's identity so far, e.g. a
    // guest's), the user is linked to that identity, or, when the user has an identity already, that one is
    // merged into the user's: the answer names the user's identity, and the device carries on as it.
    // Errors: unauthorized (not the developer's key), invalid_argument (no such developer provider in the
    // pool, bad ids), conflict (link_identity is signed in as someone else), not_found, and the transport's.
    Result<DeveloperToken> token_for(std::string_view pool_id, std::string_view developer_provider,
                                     std::string_view user_id,
                                     const std::optional<std::string>& link_identity = std::nullopt,
                                     std::chrono::seconds duration = std::chrono::minutes(15)) const;

    // What the device signs in with: {"cognito-identity.amazonaws.com": token}.
    static sync::Logins device_logins(const DeveloperToken& token);

  private:
    struct Impl;
    explicit DeveloperIdentities(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::platform
