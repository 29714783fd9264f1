// Body limits by route, decided from a request's headers before its body is read (HttpServer's BodyLimit):
// an unauthenticated client cannot make the server buffer more than its operation can need.
#pragma once

#include <cstddef>

#include "auth/authenticator.hpp"
#include "http/http_types.hpp"

namespace synclatch::server {

// Cognito Identity calls (POST /) carry an id or two and a few login tokens (an OpenID token is 1-4 KB).
inline constexpr std::size_t kMaxIdentityBodyBytes = 64 * 1024;
// What a request that needs no body may send anyway (GET, HEAD, DELETE), and what a request without an
// Authorization header may send when requests must be signed: enough for its typed refusal, no more.
inline constexpr std::size_t kMaxUnsignedBodyBytes = 16 * 1024;

// The largest body `head` may send: max_body_bytes for signed Cognito Sync, streams and processor calls.
std::size_t max_request_body_bytes(const HttpRequest& head, AuthMode auth, std::size_t max_body_bytes);

}  // namespace synclatch::server
