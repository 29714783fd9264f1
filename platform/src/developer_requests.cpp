// Signing and sending the developer's requests.
#include "developer_requests.hpp"

#include <nlohmann/json.hpp>

#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::platform::detail {

using json = nlohmann::json;

namespace {

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<DeveloperRequests> DeveloperRequests::open(const sync::Endpoint& endpoint,
                                                  sync::sigv4::Credentials developer, std::string region,
                                                  const HttpClientOptions& http_options) {
    auto http = BeastHttpClient::open(endpoint, http_options);
    if (!http.ok()) return http.status();
    DeveloperRequests requests;
    requests.http_ = std::move(http).value();
    requests.authority_ = endpoint.authority();
    requests.developer_ = std::move(developer);
    requests.region_ = std::move(region);
    return requests;
}

Result<sync::HttpResponse> DeveloperRequests::send(std::string method, std::string path, std::string query,
                                                   std::string body,
                                                   std::chrono::milliseconds deadline) const {
    sync::sigv4::Request wire{
        std::move(method), std::move(path), std::move(query), {{"Host", authority_}}, std::move(body)};
    if (!wire.body.empty()) wire.headers.emplace_back("Content-Type", "application/json");
    return signed_send(std::move(wire), "cognito-sync", deadline);
}

Result<sync::HttpResponse> DeveloperRequests::identity_call(std::string_view operation, std::string body,
                                                            std::chrono::milliseconds deadline) const {
    sync::sigv4::Request wire{"POST",
                              "/",
                              "",
                              {{"Host", authority_},
                               {"Content-Type", "application/x-amz-json-1.1"},
                               {"X-Amz-Target", "AWSCognitoIdentityService." + std::string(operation)}},
                              std::move(body)};
    return signed_send(std::move(wire), "cognito-identity", deadline);
}

Result<sync::HttpResponse> DeveloperRequests::signed_send(sync::sigv4::Request wire, std::string_view service,
                                                          std::chrono::milliseconds deadline) const {
    sync::sigv4::sign(wire, developer_, region_, service, sync::sigv4::amz_date(now_millis()));
    std::string target = wire.query.empty() ? wire.path : wire.path + "?" + wire.query;
    return http_->send({wire.method, std::move(target), std::move(wire.headers), std::move(wire.body)},
                       deadline);
}

Status status_of(const sync::HttpResponse& response, std::string_view what) {
    std::string message = std::string(what) + ": the server answered " + std::to_string(response.status);
    const json body = sync::parse_json_text(response.body);
    std::string type;
    if (body.is_object()) {
        if (body.contains("message") && body["message"].is_string())
            message += ": " + body["message"].get<std::string>();
        if (body.contains("__type") && body["__type"].is_string()) type = body["__type"].get<std::string>();
    }
    const auto named = [&](std::string_view exception) { return type.ends_with(exception); };
    const Errc code = response.status == 401 || response.status == 403 || named("NotAuthorizedException")
                          ? Errc::unauthorized
                      : response.status == 404 || named("ResourceNotFoundException") ? Errc::not_found
                      : response.status == 409 || named("ResourceConflictException") ||
                              named("DeveloperUserAlreadyRegisteredException")
                          ? Errc::conflict
                      : response.status >= 500 ? Errc::unavailable
                                               : Errc::invalid_argument;
    return {code, message};
}

}  // namespace synclatch::platform::detail
