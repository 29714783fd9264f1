// The shapes every Cognito Identity answer shares (awsJson1.1): errors as {"__type", "message"} with HTTP
// 400 (429 throttling, 500 internal), results as application/x-amz-json-1.1, and the id members requests
// carry, validated.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "http_types.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

HttpResponse identity_error(std::string_view type, std::string_view message, const HttpRequest& request);
HttpResponse identity_error(const Status& status, const HttpRequest& request);
HttpResponse identity_json(const nlohmann::json& body, const HttpRequest& request);

// The string member `member` of body, passed through validate (core/validation.hpp); invalid_argument
// naming the member when it is absent or not a string.
Result<std::string> id_member(const nlohmann::json& body, const char* member,
                              Status (*validate)(std::string_view));

}  // namespace synclatch::server
