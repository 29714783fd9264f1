// The Cognito Identity calls clients need to get an identity, credentials and an OpenID token
// (PROTOCOL.md §5): POST / with X-Amz-Target AWSCognitoIdentityService.GetId, .GetCredentialsForIdentity or
// .GetOpenIdToken (unsigned, as the SDKs send them).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "http_types.hpp"
#include "metrics.hpp"
#include "open_id_tokens.hpp"
#include "rate_limiter.hpp"
#include "sync_store.hpp"

namespace synclatch::server {

// The rate limits on Cognito Identity calls anyone may make (nullptr: no limit). Each must outlive the
// IdentityApi.
struct IdentityLimits {
    RateLimiter* new_identities = nullptr;  // GetId calls that create an identity, by client address
    RateLimiter* credentials = nullptr;     // GetCredentialsForIdentity calls, by client address
};

// Thread-safety: handle() may run on several threads at once (the store and the limiter are thread-safe).
class IdentityApi {
  public:
    IdentityApi(SyncStore& store, std::function<EpochMillis()> clock, EpochMillis credential_lifetime_ms,
                const OpenIdTokens& open_id_tokens, Metrics& metrics, IdentityLimits limits);

    // Handles a request whose X-Amz-Target names an AWSCognitoIdentityService operation. GetId and
    // GetCredentialsForIdentity suspend (without holding the thread) until what they store is durable; they
    // resume on the coroutine's executor. A call beyond the limits is TooManyRequestsException (429) with
    // Retry-After and stores nothing. request must outlive the coroutine.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, std::string_view target_header,
                                                ClientInfo client) const;

  private:
    // The 429 for a call beyond a limit ("address", "global"); counted in metrics.
    HttpResponse throttled(std::string_view operation, std::string_view limit, std::string_view what,
                           const RateLimiter::Decision& decision, const HttpRequest& request) const;
    // The 429 for a call refused by a per-address and global limiter; what: "new identities" etc.
    HttpResponse throttled(std::string_view operation, std::string_view what,
                           const RateLimiter::Decision& decision, const HttpRequest& request) const;

    SyncStore& store_;
    std::function<EpochMillis()> clock_;
    EpochMillis credential_lifetime_ms_;
    const OpenIdTokens& open_id_tokens_;
    Metrics& metrics_;
    IdentityLimits limits_;
};

}  // namespace synclatch::server
