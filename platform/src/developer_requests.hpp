// Requests to synclatch-server signed with the developer's credentials (its --admin-key), as the AWS SDKs
// sign theirs: what ServerStreams and DeveloperIdentities send, and how a refusal reads.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::platform::detail {

// Thread-safety: send() may be called from several threads at once (BeastHttpClient's connections are its
// own; each request signs its own copy).
class DeveloperRequests {
  public:
    static Result<DeveloperRequests> open(const sync::Endpoint& endpoint, sync::sigv4::Credentials developer,
                                          std::string region, const HttpClientOptions& http_options);

    // A request to a Cognito Sync route (service cognito-sync): streams, /metrics.
    Result<sync::HttpResponse> send(std::string method, std::string path, std::string query, std::string body,
                                    std::chrono::milliseconds deadline) const;
    // A Cognito Identity call: POST / with X-Amz-Target AWSCognitoIdentityService.<operation>, service
    // cognito-identity, the body as application/x-amz-json-1.1.
    Result<sync::HttpResponse> identity_call(std::string_view operation, std::string body,
                                             std::chrono::milliseconds deadline) const;

  private:
    Result<sync::HttpResponse> signed_send(sync::sigv4::Request wire, std::string_view service,
                                           std::chrono::milliseconds deadline) const;

    std::shared_ptr<BeastHttpClient> http_;
    std::string authority_;
    sync::sigv4::Credentials developer_;
    std::string region_;
};

// A non-2xx answer as a Status, with the server's message (PROTOCOL.md §4 bodies carry one): unauthorized
// for 401/403 and NotAuthorizedException, not_found for 404 and ResourceNotFoundException, conflict for
// 409, ResourceConflictException and DeveloperUserAlreadyRegisteredException, unavailable for 5xx,
// invalid_argument otherwise.
Status status_of(const sync::HttpResponse& response, std::string_view what);

}  // namespace synclatch::platform::detail
