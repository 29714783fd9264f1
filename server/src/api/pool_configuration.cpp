// Validation of PushSync and CognitoStreams. Lengths and forms follow the Cognito Sync API model: role ARNs
// of 20 to 2048 characters, stream names of 1 to 128, StreamingStatus ENABLED or DISABLED.
#include "api/pool_configuration.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

// An optional string member of length [min, max] that starts with prefix; copied into out when present.
Status copy_string(const json& from, const char* member, std::size_t min, std::size_t max,
                   std::string_view prefix, json& out) {
    if (!from.contains(member)) return {};
    const json& value = from.at(member);
    if (!value.is_string()) return invalid(std::string(member) + " must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() < min || text.size() > max || !text.starts_with(prefix)) {
        return invalid(std::string(member) + " must be " + std::to_string(min) + " to " +
                       std::to_string(max) + " characters" +
                       (prefix.empty() ? "" : " starting with " + std::string(prefix)));
    }
    out[member] = text;
    return {};
}

Result<json> push_sync(const json& given) {
    if (!given.is_object()) return invalid("PushSync must be an object");
    json out = json::object();
    if (given.contains("ApplicationArns")) {
        const json& arns = given.at("ApplicationArns");
        if (!arns.is_array() || arns.size() > 100)
            return invalid("ApplicationArns must be a list of at most 100");
        for (const json& arn : arns) {
            if (!arn.is_string() || arn.get_ref<const std::string&>().size() > 2048 ||
                !arn.get_ref<const std::string&>().starts_with("arn:")) {
                return invalid("each of ApplicationArns must be an ARN (arn:...)");
            }
        }
        out["ApplicationArns"] = arns;
    }
    if (Status s = copy_string(given, "RoleArn", 20, 2048, "arn:", out); !s.ok()) return s;
    return out;
}

Result<json> cognito_streams(const json& given) {
    if (!given.is_object()) return invalid("CognitoStreams must be an object");
    json out = json::object();
    if (Status s = copy_string(given, "StreamName", 1, 128, "", out); !s.ok()) return s;
    if (Status s = copy_string(given, "RoleArn", 20, 2048, "arn:", out); !s.ok()) return s;
    if (given.contains("StreamingStatus")) {
        const json& status = given.at("StreamingStatus");
        if (status != "ENABLED" && status != "DISABLED")
            return invalid("StreamingStatus must be ENABLED or DISABLED");
        out["StreamingStatus"] = status;
    }
    return out;
}

}  // namespace

Result<json> merge_pool_configuration(const json& stored, const json& request) {
    if (!request.is_object()) return invalid("the request body must be a JSON object");
    json merged = stored.is_object() ? stored : json::object();
    if (request.contains("PushSync")) {
        auto section = push_sync(request.at("PushSync"));
        if (!section.ok()) return section.status();
        merged["PushSync"] = std::move(section).value();
    }
    if (request.contains("CognitoStreams")) {
        auto section = cognito_streams(request.at("CognitoStreams"));
        if (!section.ok()) return section.status();
        merged["CognitoStreams"] = std::move(section).value();
    }
    return merged;
}

}  // namespace synclatch::server
