// How a request is authenticated: the mode the server runs in, and the function that decides who a
// request acts as (the SigV4 one is sigv4_authenticator.hpp).
#pragma once

#include <functional>

#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "http/request_target.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

enum class AuthMode { sigv4, none };

// Decides who a Cognito Sync request acts as (or refuses it). Auth none: everyone is anyone.
using Authenticator = std::function<Result<Principal>(const HttpRequest&, const RequestTarget&)>;

}  // namespace synclatch::server
