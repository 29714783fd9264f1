// RequestHandler: the server's one entry point per HTTP request. It parses the target, serves /healthz,
// sends Cognito Identity calls (POST / with X-Amz-Target) to IdentityApi (the developer's, authenticated,
// to DeveloperIdentityApi and IdentityPoolApi), authenticates everything else and hands it to StreamsApi
// (/streams/...) or SyncApi. Whatever happens inside, it answers with a typed
// error, never an exception. It is a coroutine so that long-polls wait without holding a thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/developer_identity_api.hpp"
#include "api/identity_api.hpp"
#include "api/identity_pool_api.hpp"
#include "api/processors_api.hpp"
#include "api/streams_api.hpp"
#include "api/sync_api.hpp"
#include "auth/authenticator.hpp"
#include "auth/principal.hpp"
#include "auth/session_tokens.hpp"
#include "http/http_types.hpp"
#include "http/rate_limiter.hpp"
#include "http/request_target.hpp"
#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once.
class RequestHandler {
  public:
    // open_id_tokens: GetOpenIdToken's signer (OpenIdTokens::open on the data directory). limits: the rate
    // limits on anonymous Cognito Identity calls (none by default). login_providers: the pools' sign-in
    // providers, which pool administration changes (nullptr: none, every Logins is refused and pools are
    // not administered). open_id_tokens and login_providers must outlive the handler.
    RequestHandler(Storage& store, std::string secret, const OpenIdTokens& open_id_tokens,
                   Authenticator authenticate, std::function<EpochMillis()> clock,
                   EpochMillis credential_lifetime_ms, Metrics& metrics, PushHub* push,
                   BulkPublisher& bulk_publisher, const SyncTriggers& triggers, IdentityLimits limits = {},
                   LoginProviders* login_providers = nullptr, bool link_imported_logins = false);

    // request must outlive the coroutine; client is who sent it (rate limits are per client address).
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, ClientInfo client = {}) const;

  private:
    // Answers the request and names its operation (a bounded set of names, for metrics labels).
    boost::asio::awaitable<HttpResponse> dispatch(const HttpRequest& request, const ClientInfo& client,
                                                  std::string_view& operation) const;

    const OpenIdTokens& open_id_tokens_;
    SessionTokens tokens_;
    Authenticator authenticate_;
    IdentityApi identity_api_;
    DeveloperIdentityApi developer_identity_api_;
    IdentityPoolApi identity_pool_api_;
    SyncApi sync_api_;
    StreamsApi streams_api_;
    ProcessorsApi processors_api_;
    Metrics& metrics_;
    std::string healthz_;               // the /healthz answer: it names the deployment
    std::string openid_configuration_;  // GET /.well-known/openid-configuration: where our keys are
};

}  // namespace synclatch::server
