// Pool administration over the Cognito Identity API, developer only (docs/identity.md, "Pool
// administration"): CreateIdentityPool, DescribeIdentityPool, UpdateIdentityPool, ListIdentityPools and
// DeleteIdentityPool. Pools made this way are kept in the database, come back at every start and reach the
// other servers of the database (api/pool_definition_sync.hpp); pools from the server's options (--pool,
// --identity-pools, the default pool) are described and listed, and are changed only where they are set.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

#include "auth/identity_pool_settings.hpp"
#include "auth/login_providers.hpp"
#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "store/pool_storage.hpp"
#include "store/server_bus.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once.
class IdentityPoolApi {
  public:
    // Cognito's page size limit for ListIdentityPools; our own bound on the pools the API may make (each
    // is kept in memory with its providers).
    static constexpr std::int64_t kMaxResults = 60;
    static constexpr std::int64_t kMaxPools = 1000;

    // store, providers and bus must outlive the api; without providers (null) the calls are not served.
    // Changes are announced on bus to the other servers of the database.
    IdentityPoolApi(PoolStorage& pools, LoginProviders* providers, std::function<EpochMillis()> clock,
                    ServerBus& bus);

    // Whether `operation` (the X-Amz-Target after "AWSCognitoIdentityService.") is one of these calls.
    static bool owns(std::string_view operation);

    // Answers one of them for `principal`: only the developer may call them (anyone with --auth none).
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, std::string_view operation,
                                                const Result<Principal>& principal) const;

  private:
    Result<nlohmann::json> create(const nlohmann::json& body, const HttpRequest& request) const;
    Result<nlohmann::json> describe(const nlohmann::json& body) const;
    Result<nlohmann::json> update(const nlohmann::json& body) const;
    Result<nlohmann::json> list(const nlohmann::json& body) const;
    Result<nlohmann::json> remove(const nlohmann::json& body) const;

    LoginProviders* providers_;
    std::function<EpochMillis()> clock_;
    PoolStorage& pools_;
    ServerBus& bus_;
};

}  // namespace synclatch::server
