// Cognito Identity's error and result shapes.
#include "api/identity_answers.hpp"

#include <nlohmann/json.hpp>

#include "http/error_response.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;
using json = nlohmann::json;

HttpResponse identity_error(std::string_view type, std::string_view message, const HttpRequest& request) {
    HttpResponse response = error_response(type, message, request.version(), request.keep_alive());
    // 400 but for internal errors and throttling (Cognito Identity's model has TooManyRequestsException 429).
    if (response.result() != http::status::internal_server_error &&
        response.result() != http::status::too_many_requests)
        response.result(http::status::bad_request);
    return response;
}

HttpResponse identity_error(const Status& status, const HttpRequest& request) {
    return identity_error(cognito_error_type(status.code()), status.message(), request);
}

HttpResponse identity_json(const json& body, const HttpRequest& request) {
    HttpResponse response = json_response(body.dump(), request.version(), request.keep_alive());
    response.set(http::field::content_type, "application/x-amz-json-1.1");
    return response;
}

HttpResponse answer_developer_call(const HttpRequest& request, std::string_view operation,
                                   const Result<Principal>& principal,
                                   const std::function<Result<json>(const json&)>& answer,
                                   std::string_view conflict_type) {
    if (!principal.ok()) return identity_error(principal.status(), request);
    if (!principal->may_act_on_pools())
        return identity_error("NotAuthorizedException",
                              std::string(operation) + " needs the developer's credentials", request);
    auto body = sync::parse_json_body(request.body());
    if (!body.ok()) return identity_error(body.status(), request);
    if (!body->is_object())
        return identity_error(Status{Errc::invalid_argument, "the body must be a JSON object"}, request);
    auto answered = answer(*body);
    if (!answered.ok() && answered.status().code() == Errc::conflict)
        return identity_error(conflict_type, answered.status().message(), request);
    if (!answered.ok()) return identity_error(answered.status(), request);
    return identity_json(*answered, request);
}

Result<std::string> id_member(const json& body, const char* member, Status (*validate)(std::string_view)) {
    if (!body.is_object() || !body.contains(member) || !body.at(member).is_string()) {
        return Status{Errc::invalid_argument, std::string(member) + " is required and must be a string"};
    }
    std::string value = body.at(member).get<std::string>();
    if (Status s = validate(value); !s.ok()) return s;
    return value;
}

}  // namespace synclatch::server
