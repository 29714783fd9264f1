// The Cognito Identity calls clients need to get an identity, credentials and an OpenID token
// (PROTOCOL.md §5): POST / with X-Amz-Target AWSCognitoIdentityService.GetId, .GetCredentialsForIdentity or
// .GetOpenIdToken (unsigned, as the SDKs send them).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "http_types.hpp"
#include "open_id_tokens.hpp"
#include "sync_store.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once (the store is thread-safe).
class IdentityApi {
  public:
    IdentityApi(SyncStore& store, std::function<EpochMillis()> clock, EpochMillis credential_lifetime_ms,
                const OpenIdTokens& open_id_tokens);

    // Handles a request whose X-Amz-Target names an AWSCognitoIdentityService operation. GetId suspends
    // (without holding the thread) until its new identity is durable; it resumes on the coroutine's
    // executor. request must outlive the coroutine.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request,
                                                std::string_view target_header) const;

  private:
    SyncStore& store_;
    std::function<EpochMillis()> clock_;
    EpochMillis credential_lifetime_ms_;
    const OpenIdTokens& open_id_tokens_;
};

}  // namespace synclatch::server
