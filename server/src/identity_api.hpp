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

// Thread-safety: handle() may run on several threads at once (the store and the limiter are thread-safe).
class IdentityApi {
  public:
    // new_identities: the limits on GetId calls that create an identity (nullptr: none).
    IdentityApi(SyncStore& store, std::function<EpochMillis()> clock, EpochMillis credential_lifetime_ms,
                const OpenIdTokens& open_id_tokens, Metrics& metrics, RateLimiter* new_identities);

    // Handles a request whose X-Amz-Target names an AWSCognitoIdentityService operation. GetId and
    // GetCredentialsForIdentity suspend (without holding the thread) until what they store is durable; they
    // resume on the coroutine's executor. A GetId beyond the limits is TooManyRequestsException (429) with
    // Retry-After. request must outlive the coroutine.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, std::string_view target_header,
                                                ClientInfo client) const;

  private:
    // The 429 for a GetId beyond the limits; counted in metrics.
    HttpResponse throttled(const RateLimiter::Decision& decision, const HttpRequest& request) const;

    SyncStore& store_;
    std::function<EpochMillis()> clock_;
    EpochMillis credential_lifetime_ms_;
    const OpenIdTokens& open_id_tokens_;
    Metrics& metrics_;
    RateLimiter* new_identities_;
};

}  // namespace synclatch::server
