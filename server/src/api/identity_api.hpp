// The Cognito Identity calls clients need to get an identity, credentials and an OpenID token
// (PROTOCOL.md §5): POST / with X-Amz-Target AWSCognitoIdentityService.GetId, .GetCredentialsForIdentity or
// .GetOpenIdToken (unsigned, as the SDKs send them), for guests and for signed-in users (Logins verified
// by the pool's login providers; docs/identity.md).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "auth/login_providers.hpp"
#include "auth/open_id_tokens.hpp"
#include "http/http_types.hpp"
#include "http/rate_limiter.hpp"
#include "store/identity_storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

// The rate limits on Cognito Identity calls anyone may make (nullptr: no limit). Each must outlive the
// IdentityApi.
struct IdentityLimits {
    RateLimiter* new_identities = nullptr;  // GetId calls that create an identity, by client address
    RateLimiter* credentials = nullptr;     // GetCredentialsForIdentity calls, by client address
    // New credential sets, keyed by identity id. Beyond it an identity gets its newest set again.
    RateLimiter* new_credentials_per_identity = nullptr;
};

// Thread-safety: handle() may run on several threads at once (the store and the limiter are thread-safe).
class IdentityApi {
  public:
    // providers: the pools' login providers (nullptr: none, so every Logins is refused); it must outlive
    // the IdentityApi. link_imported_logins: an identity imported from Cognito with a login whose user the
    // source did not give is linked to the first valid token of that provider presented for it
    // (--link-imported-logins, docs/migrating-from-cognito.md); false: such a login is refused.
    IdentityApi(IdentityStorage& store, std::function<EpochMillis()> clock,
                EpochMillis credential_lifetime_ms, const OpenIdTokens& open_id_tokens, Metrics& metrics,
                IdentityLimits limits, const LoginProviders* providers = nullptr,
                bool link_imported_logins = false);

    // Handles a request whose X-Amz-Target names an AWSCognitoIdentityService operation. GetId and
    // GetCredentialsForIdentity suspend (without holding the thread) until what they store is durable; they
    // resume on the coroutine's executor. A call beyond the limits is TooManyRequestsException (429) with
    // Retry-After and stores nothing. GetCredentialsForIdentity for an identity that has had its share of
    // new sets answers the newest one it has (with at least half its lifetime left) instead of storing
    // another; 429 with Retry-After 1 while those sets are still being written. request must outlive the
    // coroutine.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, std::string_view target_header,
                                                ClientInfo client) const;

  private:
    // GetId: a guest's new identity, or a signed-in user's.
    boost::asio::awaitable<HttpResponse> get_id(const nlohmann::json& body, ClientInfo client,
                                                const HttpRequest& request) const;
    // The request's Logins, verified for the pool (none without a Logins member). A token whose key its
    // provider is loading waits for the load, at most kMaxWaitForKeys.
    static constexpr std::chrono::seconds kMaxWaitForKeys{10};
    boost::asio::awaitable<Result<VerifiedLogins>> verified_logins(const nlohmann::json& body,
                                                                   std::string_view pool_id) const;
    // GetCredentialsForIdentity and GetOpenIdToken: may the caller act as the body's IdentityId with its
    // Logins? The identity to act as (the survivor when a guest was merged), or the error to answer.
    boost::asio::awaitable<Result<std::string>> act_as(const nlohmann::json& body) const;
    // An imported identity with logins the source named without their users (ImportStorage): no guest
    // may act as it, and a valid token of such a provider is linked to it when the server allows it.
    boost::asio::awaitable<Status> check_imported_logins(const std::string& identity,
                                                         const std::vector<Login>& logins) const;
    // UnlinkIdentity: the caller proves one of the identity's logins and removes those of the named
    // providers; an identity left without a login is disabled (docs/identity.md).
    boost::asio::awaitable<Status> unlink_identity(const nlohmann::json& body) const;
    // The pool takes guests (AllowUnauthenticatedIdentities; every pool when there are no providers).
    bool allow_unauthenticated(std::string_view pool_id) const;
    // GetCredentialsForIdentity of a well-formed identity id.
    boost::asio::awaitable<HttpResponse> get_credentials(std::string identity, ClientInfo client,
                                                         const HttpRequest& request) const;
    // GetCredentialsForIdentity's limits: nullopt when a new set may be stored, else the answer instead
    // (a 429, an error, or the identity's newest set again).
    std::optional<HttpResponse> answer_without_new_credentials(const std::string& identity, EpochMillis now,
                                                               ClientInfo client,
                                                               const HttpRequest& request) const;
    // The 429 for a call beyond a limit ("address", "global", "identity"); counted in metrics.
    HttpResponse throttled(std::string_view operation, std::string_view limit, std::string_view what,
                           const RateLimiter::Decision& decision, const HttpRequest& request) const;
    // The 429 for a call refused by a per-address and global limiter; what: "new identities" etc.
    HttpResponse throttled(std::string_view operation, std::string_view what,
                           const RateLimiter::Decision& decision, const HttpRequest& request) const;

    IdentityStorage& store_;
    std::function<EpochMillis()> clock_;
    EpochMillis credential_lifetime_ms_;
    const OpenIdTokens& open_id_tokens_;
    Metrics& metrics_;
    IdentityLimits limits_;
    const LoginProviders* providers_;
    const bool link_imported_logins_;
};

}  // namespace synclatch::server
