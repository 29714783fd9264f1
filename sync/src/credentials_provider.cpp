// Static credentials and the Cognito Identity flow (GetId, GetCredentialsForIdentity).
#include "synclatch/sync/credentials_provider.hpp"

#include <nlohmann/json.hpp>

#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::sync {

namespace {

core::EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One unsigned Cognito Identity call (PROTOCOL.md §5): POST / with X-Amz-Target; the answer's JSON.
Result<nlohmann::json> call_identity_api(HttpClient& http, const Endpoint& endpoint,
                                         std::string_view operation, const nlohmann::json& body,
                                         std::chrono::milliseconds deadline) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"Host", endpoint.authority()},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "AWSCognitoIdentityService." + std::string(operation)}};
    request.body = body.dump();
    auto response = http.send(request, deadline);
    if (!response.ok()) return response.status();
    if (response->status != 200) {
        Status error = detail::status_from_error(*response);
        return Status{error.code(), std::string(operation) + ": " + error.message()};
    }
    auto parsed = parse_json_body(response->body);
    if (!parsed.ok() || !parsed->is_object())
        return Status{Errc::invalid_argument, std::string(operation) + ": the answer is not a JSON object"};
    return parsed;
}

Result<std::string> string_member(const nlohmann::json& object, const char* name,
                                  std::string_view operation) {
    if (!object.contains(name) || !object[name].is_string() ||
        object[name].get_ref<const std::string&>().empty())
        return Status{Errc::invalid_argument, std::string(operation) + ": the answer has no " + name};
    return object[name].get<std::string>();
}

}  // namespace

StaticCredentials::StaticCredentials(sigv4::Credentials credentials, std::string identity_id)
    : credentials_(std::move(credentials)), identity_id_(std::move(identity_id)) {}

Result<std::string> StaticCredentials::identity_id() {
    if (identity_id_.empty())
        return Status{Errc::invalid_argument, "no identity id given with the credentials"};
    return identity_id_;
}

Result<sigv4::Credentials> StaticCredentials::credentials() {
    return credentials_;
}

CognitoIdentityCredentials::CognitoIdentityCredentials(HttpClient& http, CognitoIdentityOptions options)
    : http_(http),
      options_(std::move(options)),
      logins_(options_.logins),
      identity_id_(options_.cached_identity_id) {}

void CognitoIdentityCredentials::set_logins(LoginsSource logins) {
    std::lock_guard lock(mutex_);
    logins_ = std::move(logins);
    credentials_.reset();
}

Status CognitoIdentityCredentials::add_logins(nlohmann::json& body) {
    if (!logins_) return {};
    auto logins = logins_();
    if (!logins.ok()) return Status{logins.status().code(), "the app's logins: " + logins.status().message()};
    if (!logins->empty()) body["Logins"] = *logins;
    return {};
}

core::EpochMillis CognitoIdentityCredentials::now() const {
    return options_.clock ? options_.clock() : system_now();
}

Result<std::string> CognitoIdentityCredentials::identity_id() {
    std::lock_guard lock(mutex_);
    return identity_locked();
}

Result<std::string> CognitoIdentityCredentials::identity_locked() {
    if (!identity_id_.empty()) return identity_id_;
    nlohmann::json body = {{"IdentityPoolId", options_.identity_pool_id}};
    if (Status s = add_logins(body); !s.ok()) return s;
    auto answer = call_identity_api(http_, options_.endpoint, "GetId", body, options_.deadline);
    if (!answer.ok()) return answer.status();
    auto id = string_member(*answer, "IdentityId", "GetId");
    if (!id.ok()) return id.status();
    identity_id_ = *id;
    if (options_.on_new_identity) options_.on_new_identity(identity_id_);
    return identity_id_;
}

Result<sigv4::Credentials> CognitoIdentityCredentials::credentials() {
    std::lock_guard lock(mutex_);
    if (credentials_ && now() + options_.refresh_margin.count() < expiration_) return *credentials_;
    auto identity = identity_locked();
    if (!identity.ok()) return identity.status();
    nlohmann::json body = {{"IdentityId", *identity}};
    if (Status s = add_logins(body); !s.ok()) return s;
    auto answer =
        call_identity_api(http_, options_.endpoint, "GetCredentialsForIdentity", body, options_.deadline);
    if (!answer.ok()) return answer.status();
    // Another identity: this one (a guest) was merged into the user's, which is ours from now on.
    auto answered = string_member(*answer, "IdentityId", "GetCredentialsForIdentity");
    if (answered.ok() && *answered != identity_id_) {
        identity_id_ = *answered;
        if (options_.on_new_identity) options_.on_new_identity(identity_id_);
    }
    const auto found = answer->find("Credentials");
    if (found == answer->end() || !found->is_object())
        return Status{Errc::invalid_argument, "GetCredentialsForIdentity: the answer has no Credentials"};
    sigv4::Credentials fresh;
    for (auto [member, field] :
         {std::pair{"AccessKeyId", &fresh.access_key_id}, std::pair{"SecretKey", &fresh.secret_key},
          std::pair{"SessionToken", &fresh.session_token}}) {
        auto value = string_member(*found, member, "GetCredentialsForIdentity");
        if (!value.ok()) return value.status();
        *field = std::move(value).value();
    }
    auto expiration = found->contains("Expiration")
                          ? parse_epoch_seconds((*found)["Expiration"], "Expiration")
                          : Result<core::EpochMillis>(Status{Errc::invalid_argument, "no Expiration"});
    if (!expiration.ok())
        return Status{Errc::invalid_argument, "GetCredentialsForIdentity: " + expiration.status().message()};
    credentials_ = fresh;
    expiration_ = *expiration;
    return fresh;
}

void CognitoIdentityCredentials::invalidate() {
    std::lock_guard lock(mutex_);
    credentials_.reset();
}

}  // namespace synclatch::sync
