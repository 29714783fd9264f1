// Credentials for signing Cognito Sync requests: an interface, fixed developer credentials, and the
// Cognito Identity flow apps use (GetId, then GetCredentialsForIdentity, refreshed before expiry).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::sync {

// Thread-safety: implementations here may be used from any thread.
class CredentialsProvider {
  public:
    virtual ~CredentialsProvider() = default;
    // The identity the credentials act for.
    virtual Result<std::string> identity_id() = 0;
    // Credentials valid for a while yet (refreshed when they are about to expire).
    virtual Result<sigv4::Credentials> credentials() = 0;
    // The server refused the credentials last returned: the next call gets fresh ones.
    virtual void invalidate() = 0;
};

// Long-term developer credentials (the server's --admin-key), acting for the identity given.
class StaticCredentials final : public CredentialsProvider {
  public:
    StaticCredentials(sigv4::Credentials credentials, std::string identity_id);
    Result<std::string> identity_id() override;
    Result<sigv4::Credentials> credentials() override;
    void invalidate() override {}

  private:
    sigv4::Credentials credentials_;
    std::string identity_id_;
};

// A signed-in user's logins: provider name (the Logins key, e.g. "accounts.google.com") to a token of it.
using Logins = std::map<std::string, std::string>;
// Asked for the logins whenever the server must see them (GetId, every GetCredentialsForIdentity), so an
// app returns fresh tokens, refreshing expired ones with its provider; an error stops the call with it.
using LoginsSource = std::function<Result<Logins>()>;

struct CognitoIdentityOptions {
    Endpoint endpoint;               // the Cognito Identity endpoint (synclatch-server serves both APIs)
    std::string identity_pool_id;    // "us-east-1:00000000-0000-0000-0000-000000000000"
    std::string cached_identity_id;  // from a previous run (the local store keeps it); empty: GetId
    // Called (under the provider's lock, on the calling thread) when the server assigns an identity,
    // so the app can keep it: the first, or another one when signing in merged this one into it.
    std::function<void(const std::string& identity_id)> on_new_identity;
    LoginsSource logins;  // empty: a guest
    std::chrono::milliseconds deadline{10'000};
    std::chrono::milliseconds refresh_margin{5 * 60'000};  // refresh this long before expiry
    std::function<core::EpochMillis()> clock;              // empty: the system clock
};

// Cognito identities, guests' or signed-in users': GetId once (or the cached id), then
// GetCredentialsForIdentity whenever the credentials are missing, refused or about to expire, with the
// user's logins when there are some. The server may answer with another identity (a guest signing in as a
// user who has one: it was merged into it); from then on that is the identity.
class CognitoIdentityCredentials final : public CredentialsProvider {
  public:
    // http must reach options.endpoint and outlive this object.
    CognitoIdentityCredentials(HttpClient& http, CognitoIdentityOptions options);
    Result<std::string> identity_id() override;
    Result<sigv4::Credentials> credentials() override;
    void invalidate() override;
    // Signs in (a source) or out (an empty one) from the next call on: the credentials at hand are
    // dropped, so the next credentials() shows the server the logins.
    void set_logins(LoginsSource logins);

  private:
    Result<std::string> identity_locked();
    // Adds the app's logins to a GetId or GetCredentialsForIdentity body (mutex_ held).
    Status add_logins(nlohmann::json& body);
    core::EpochMillis now() const;

    HttpClient& http_;
    const CognitoIdentityOptions options_;
    std::mutex mutex_;
    LoginsSource logins_;                            // guarded by mutex_
    std::string identity_id_;                        // guarded by mutex_
    std::optional<sigv4::Credentials> credentials_;  // guarded by mutex_
    core::EpochMillis expiration_ = 0;               // guarded by mutex_
};

}  // namespace synclatch::sync
