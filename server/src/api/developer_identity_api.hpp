// The Cognito Identity calls only an app's backend makes, signed with the developer's credentials
// (docs/identity.md, "Developer-authenticated identities"): GetOpenIdTokenForDeveloperIdentity,
// LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity, DescribeIdentity,
// ListIdentities and DeleteIdentities. The backend has signed its user in by its own means; the pool's
// developer provider name (DeveloperProviderName) is the Logins key of those users, and their ids in the
// app are the logins' subjects.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

#include "auth/login_providers.hpp"
#include "auth/open_id_tokens.hpp"
#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "store/identity_storage.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once.
class DeveloperIdentityApi {
  public:
    // Cognito's limits (API reference): a developer user id of 1 to 1024 characters, a token lifetime of
    // 1 s to 24 h (15 minutes when not given), at most 60 ids a page.
    static constexpr std::size_t kMaxDeveloperUserIdChars = 1024;
    static constexpr std::int64_t kMaxTokenDurationSeconds = 24 * 60 * 60;
    static constexpr std::int64_t kDefaultTokenDurationSeconds = 15 * 60;
    static constexpr std::int64_t kMaxResults = 60;
    static constexpr std::int64_t kMaxIdentitiesToDelete = 60;

    // providers may be null (no pool has a developer provider); all three must outlive the api.
    DeveloperIdentityApi(IdentityStorage& store, std::function<EpochMillis()> clock,
                         const OpenIdTokens& tokens, const LoginProviders* providers);

    // Whether `operation` (the X-Amz-Target after "AWSCognitoIdentityService.") is one of these calls.
    static bool owns(std::string_view operation);

    // Answers one of them for `principal` (the request's SigV4 signer): only the developer may call them
    // (anyone with --auth none); an identity's credentials get NotAuthorizedException.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, std::string_view operation,
                                                const Result<Principal>& principal) const;

  private:
    Result<nlohmann::json> get_open_id_token(const nlohmann::json& body) const;
    Result<nlohmann::json> lookup(const nlohmann::json& body) const;
    Result<nlohmann::json> merge(const nlohmann::json& body) const;
    Result<nlohmann::json> unlink(const nlohmann::json& body) const;
    Result<nlohmann::json> describe(const nlohmann::json& body) const;
    Result<nlohmann::json> list(const nlohmann::json& body) const;
    Result<nlohmann::json> remove(const nlohmann::json& body) const;
    // The pool's developer provider name; invalid_argument when it has none.
    Result<std::string> developer_provider(std::string_view pool_id) const;
    // The same, when the body's DeveloperProviderName names it; invalid_argument otherwise.
    Result<std::string> named_developer_provider(const nlohmann::json& body, std::string_view pool_id) const;

    IdentityStorage& store_;
    std::function<EpochMillis()> clock_;
    const OpenIdTokens& tokens_;
    const LoginProviders* providers_;
};

}  // namespace synclatch::server
