// The shapes every Cognito Identity answer shares (awsJson1.1): errors as {"__type", "message"} with HTTP
// 400 (429 throttling, 500 internal), results as application/x-amz-json-1.1, and the id members requests
// carry, validated.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

HttpResponse identity_error(std::string_view type, std::string_view message, const HttpRequest& request);
HttpResponse identity_error(const Status& status, const HttpRequest& request);
HttpResponse identity_json(const nlohmann::json& body, const HttpRequest& request);

// A call only the developer may make (anyone with --auth none): an identity's credentials get
// NotAuthorizedException; otherwise the body, which must be a JSON object, goes to `answer`, whose result
// or error is the response. conflict_type: the error type a conflict answers, where the operation's model
// names its own.
HttpResponse answer_developer_call(const HttpRequest& request, std::string_view operation,
                                   const Result<Principal>& principal,
                                   const std::function<Result<nlohmann::json>(const nlohmann::json&)>& answer,
                                   std::string_view conflict_type = "ResourceConflictException");

// The string member `member` of body, passed through validate (core/validation.hpp); invalid_argument
// naming the member when it is absent or not a string.
Result<std::string> id_member(const nlohmann::json& body, const char* member,
                              Status (*validate)(std::string_view));

}  // namespace synclatch::server
