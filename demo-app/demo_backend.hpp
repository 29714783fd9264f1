// DemoBackend: the demo's stand-in for an app's own backend (docs/identity.md, "Developer-authenticated
// identities"). It alone holds the servers' developer key. A device that wants to sign in as one of the
// app's users asks it for a token (GetOpenIdTokenForDeveloperIdentity on the deployment that device syncs
// with); the device signs in with the token and never sees the key. Like a real backend it remembers each
// user's identity, so a user's device on another deployment (bridged, same identity ids) is linked to it.
#pragma once

#include <QString>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "synclatch/platform/developer_identities.hpp"

namespace synclatch::demo {

// Thread-safety: token_for() may be called from any thread (devices call it from their sync threads when
// their credentials are renewed); it blocks for one request.
class DemoBackend {
  public:
    static constexpr const char* kDeveloperProvider = "login.demo.app";  // the servers' --developer-provider

    // admin_key: "ID:SECRET" (empty: no backend; every sign-in fails saying so).
    DemoBackend(QString admin_key, QString identity_pool_id);

    // A token of `user` from the deployment at `endpoint`. link: the device's identity so far (a guest's),
    // linked to the user there (merged into the user's identity if the user has one). Without it, an
    // identity the user has on another deployment is linked, so the user is one identity everywhere.
    Result<platform::DeveloperToken> token_for(const QString& endpoint, const QString& user,
                                               const std::optional<std::string>& link);

  private:
    Result<platform::DeveloperIdentities*> deployment(const QString& endpoint);  // mutex_ held

    const QString admin_key_;
    const std::string identity_pool_id_;
    std::mutex mutex_;
    std::map<QString, std::unique_ptr<platform::DeveloperIdentities>> deployments_;  // by endpoint; mutex_
    std::map<QString, std::string> identities_;                                      // by user; mutex_
};

}  // namespace synclatch::demo
