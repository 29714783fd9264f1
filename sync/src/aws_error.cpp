// AWS error answers to Status; the X-Amz-Date format.
#include "synclatch/sync/detail/aws_error.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::sync::detail {

namespace {

Errc code_for(std::string_view type, int http_status) {
    if (type == "ResourceConflictException" || type == "DeveloperUserAlreadyRegisteredException")
        return Errc::conflict;
    if (type == "ResourceNotFoundException") return Errc::not_found;
    if (type == "NotAuthorizedException" || type == "InvalidSignatureException" ||
        type == "UnrecognizedClientException" || type == "AccessDeniedException" ||
        type == "ExpiredTokenException")
        return Errc::unauthorized;
    if (type == "LimitExceededException") return Errc::limit_exceeded;
    if (type == "TooManyRequestsException" || type == "LambdaThrottledException") return Errc::throttled;
    if (type == "InternalErrorException" || http_status >= 500) return Errc::unavailable;
    if (http_status == 429) return Errc::throttled;
    if (http_status == 401 || http_status == 403) return Errc::unauthorized;
    if (http_status == 404) return Errc::not_found;
    if (http_status == 409) return Errc::conflict;
    return Errc::invalid_argument;
}

}  // namespace

Status status_from_error(const HttpResponse& response) {
    std::string type(response.header("x-amzn-ErrorType"));
    std::string message;
    const auto body = parse_json_text(response.body);
    if (body.is_object()) {
        if (type.empty() && body.contains("__type") && body["__type"].is_string()) type = body["__type"];
        for (const char* member : {"message", "Message"}) {
            if (body.contains(member) && body[member].is_string()) {
                message = body[member];
                break;
            }
        }
    }
    // "Type:http://internal.amazon.com/..." and "namespace#Type" both name Type.
    if (const auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
    if (const auto hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
    const std::string what = (type.empty() ? "HTTP " + std::to_string(response.status) : type) +
                             (message.empty() ? "" : ": " + message);
    return {code_for(type, response.status), what};
}

}  // namespace synclatch::sync::detail
