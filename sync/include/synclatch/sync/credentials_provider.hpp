// Credentials for signing Cognito Sync requests: an interface, fixed developer credentials, and the
// Cognito Identity flow apps use (GetId, then GetCredentialsForIdentity, refreshed before expiry).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
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

struct CognitoIdentityOptions {
    Endpoint endpoint;               // the Cognito Identity endpoint (synclatch-server serves both APIs)
    std::string identity_pool_id;    // "us-east-1:00000000-0000-0000-0000-000000000000"
    std::string cached_identity_id;  // from a previous run (the local store keeps it); empty: GetId
    // Called (under the provider's lock, on the calling thread) when the server assigns an identity,
    // so the app can keep it.
    std::function<void(const std::string& identity_id)> on_new_identity;
    std::chrono::milliseconds deadline{10'000};
    std::chrono::milliseconds refresh_margin{5 * 60'000};  // refresh this long before expiry
    std::function<core::EpochMillis()> clock;              // empty: the system clock
};

// Unauthenticated Cognito identities: GetId once (or the cached id), then GetCredentialsForIdentity
// whenever the credentials are missing, refused or about to expire.
class CognitoIdentityCredentials final : public CredentialsProvider {
  public:
    // http must reach options.endpoint and outlive this object.
    CognitoIdentityCredentials(HttpClient& http, CognitoIdentityOptions options);
    Result<std::string> identity_id() override;
    Result<sigv4::Credentials> credentials() override;
    void invalidate() override;

  private:
    Result<std::string> identity_locked();
    core::EpochMillis now() const;

    HttpClient& http_;
    const CognitoIdentityOptions options_;
    std::mutex mutex_;
    std::string identity_id_;                        // guarded by mutex_
    std::optional<sigv4::Credentials> credentials_;  // guarded by mutex_
    core::EpochMillis expiration_ = 0;               // guarded by mutex_
};

}  // namespace synclatch::sync
