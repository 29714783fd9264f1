// The Cognito Identity calls clients need to get an identity and credentials (PROTOCOL.md §5):
// POST / with X-Amz-Target AWSCognitoIdentityService.GetId or .GetCredentialsForIdentity (unsigned).
#pragma once

#include <functional>

#include "http_types.hpp"
#include "sync_store.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once (the store is thread-safe).
class IdentityApi {
  public:
    IdentityApi(SyncStore& store, std::function<EpochMillis()> clock, EpochMillis credential_lifetime_ms);

    // Handles a request whose X-Amz-Target names an AWSCognitoIdentityService operation.
    HttpResponse handle(const HttpRequest& request, std::string_view target_header) const;

  private:
    SyncStore& store_;
    std::function<EpochMillis()> clock_;
    EpochMillis credential_lifetime_ms_;
};

}  // namespace synclatch::server
