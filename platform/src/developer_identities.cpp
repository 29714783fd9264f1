// GetOpenIdTokenForDeveloperIdentity over the developer's signed requests.
#include "synclatch/platform/developer_identities.hpp"

#include <nlohmann/json.hpp>

#include "developer_requests.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::platform {

using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kRequestDeadline{15};

}  // namespace

struct DeveloperIdentities::Impl {
    detail::DeveloperRequests requests;
};

Result<std::unique_ptr<DeveloperIdentities>> DeveloperIdentities::open(
    const sync::Endpoint& endpoint, sync::sigv4::Credentials developer,
    const HttpClientOptions& http_options) {
    auto requests =
        detail::DeveloperRequests::open(endpoint, std::move(developer), "us-east-1", http_options);
    if (!requests.ok()) return requests.status();
    return std::unique_ptr<DeveloperIdentities>(
        new DeveloperIdentities(std::make_unique<Impl>(Impl{std::move(requests).value()})));
}

DeveloperIdentities::DeveloperIdentities(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeveloperIdentities::~DeveloperIdentities() = default;

Result<DeveloperToken> DeveloperIdentities::token_for(std::string_view pool_id,
                                                      std::string_view developer_provider,
                                                      std::string_view user_id,
                                                      const std::optional<std::string>& link_identity,
                                                      std::chrono::seconds duration) const {
    json body = {{"IdentityPoolId", pool_id},
                 {"Logins", {{std::string(developer_provider), user_id}}},
                 {"TokenDuration", duration.count()}};
    if (link_identity) body["IdentityId"] = *link_identity;
    auto answer =
        impl_->requests.identity_call("GetOpenIdTokenForDeveloperIdentity", body.dump(), kRequestDeadline);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return detail::status_of(*answer, "GetOpenIdTokenForDeveloperIdentity");
    const json reply = sync::parse_json_text(answer->body);
    if (!reply.is_object() || !reply.contains("IdentityId") || !reply["IdentityId"].is_string() ||
        !reply.contains("Token") || !reply["Token"].is_string())
        return Status{Errc::invalid_argument,
                      "GetOpenIdTokenForDeveloperIdentity: the answer has no IdentityId and Token"};
    return DeveloperToken{reply["IdentityId"].get<std::string>(), reply["Token"].get<std::string>()};
}

sync::Logins DeveloperIdentities::device_logins(const DeveloperToken& token) {
    return sync::Logins{{"cognito-identity.amazonaws.com", token.token}};
}

}  // namespace synclatch::platform
