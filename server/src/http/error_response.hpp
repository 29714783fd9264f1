// Typed error responses (PROTOCOL.md §4): body {"__type", "message"} plus headers x-amzn-ErrorType and
// x-amzn-RequestId, with the HTTP status each Cognito error type has.
#pragma once

#include <string>
#include <string_view>

#include "http/http_types.hpp"
#include "synclatch/core/status.hpp"

namespace synclatch::server {

// The Cognito error type for a synclatch error code (invalid_argument -> InvalidParameterException, ...).
std::string_view cognito_error_type(Errc code) noexcept;

// A response for a named Cognito error type (for types without an Errc, such as
// InvalidConfigurationException).
HttpResponse error_response(std::string_view type, std::string_view message, unsigned version,
                            bool keep_alive);
HttpResponse error_response(const Status& status, unsigned version, bool keep_alive);

// A 200 response with a JSON body.
HttpResponse json_response(std::string body, unsigned version, bool keep_alive);

// A fresh request id (a UUID) for x-amzn-RequestId.
std::string new_request_id();

}  // namespace synclatch::server
