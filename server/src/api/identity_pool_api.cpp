// The pool administration calls. Each checks its members, then makes its store call (one transaction),
// then tells the login providers; what fails before the store changes nothing.
#include "api/identity_pool_api.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/identity_answers.hpp"
#include "api/pool_definition_sync.hpp"
#include "auth/identity_pool_definition.hpp"
#include "store/random_ids.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // GCC bug 109224, as in identity_api.cpp
#endif

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::string_view kOperations[] = {"CreateIdentityPool", "DescribeIdentityPool",
                                            "UpdateIdentityPool", "ListIdentityPools", "DeleteIdentityPool"};

// Pools from the server's options have no name of their own.
constexpr const char* kConfiguredPoolName = "configured";

Status invalid(std::string message) {
    return Status{Errc::invalid_argument, std::move(message)};
}

Status configured_here(std::string_view pool_id) {
    return invalid("identity pool " + std::string(pool_id) +
                   " is set by the server's options (--pool, --identity-pools): change it there");
}

// The region a new pool is made in: the one the request was signed for (SigV4's credential scope,
// ".../<date>/<region>/cognito-identity/aws4_request"), as Cognito's endpoint is regional; us-east-1 for an
// unsigned request.
std::string request_region(const HttpRequest& request) {
    const auto header = request.find(boost::beast::http::field::authorization);
    if (header == request.end()) return "us-east-1";
    auto authorization = sync::sigv4::parse_authorization(header->value());
    if (!authorization.ok() || !core::validate_identity_pool_id(authorization->scope.region + ":x").ok())
        return "us-east-1";
    return authorization->scope.region;
}

Result<json> describe_answer(std::string_view pool_id, const std::optional<std::string>& stored,
                             const std::optional<IdentityPoolSettings>& configured) {
    if (stored) {
        auto definition = read_stored_pool_definition(*stored);
        if (!definition.ok()) return definition.status();
        json answer = to_json(*definition);
        answer["IdentityPoolId"] = pool_id;
        return answer;
    }
    // A pool from the options: what it is, in the same shape.
    const IdentityPoolSettings settings = configured.value_or(IdentityPoolSettings{});
    json answer = to_json(settings);
    answer["IdentityPoolId"] = pool_id;
    answer["IdentityPoolName"] = kConfiguredPoolName;
    answer["AllowClassicFlow"] = false;
    return answer;
}

}  // namespace

IdentityPoolApi::IdentityPoolApi(PoolStorage& pools, LoginProviders* providers,
                                 std::function<EpochMillis()> clock, ServerBus& bus)
    : providers_(providers), clock_(std::move(clock)), pools_(pools), bus_(bus) {}

bool IdentityPoolApi::owns(std::string_view operation) {
    return std::find(std::begin(kOperations), std::end(kOperations), operation) != std::end(kOperations);
}

boost::asio::awaitable<HttpResponse> IdentityPoolApi::handle(const HttpRequest& request,
                                                             std::string_view operation,
                                                             const Result<Principal>& principal) const {
    co_return answer_developer_call(request, operation, principal, [&](const json& body) -> Result<json> {
        if (providers_ == nullptr) return invalid(std::string(operation) + " is not served here");
        if (operation == "CreateIdentityPool") return create(body, request);
        if (operation == "DescribeIdentityPool") return describe(body);
        if (operation == "UpdateIdentityPool") return update(body);
        if (operation == "ListIdentityPools") return list(body);
        return remove(body);
    });
}

Result<json> IdentityPoolApi::create(const json& body, const HttpRequest& request) const {
    auto definition = identity_pool_definition_from_json(body);
    if (!definition.ok()) return definition.status();
    auto existing = pools_.count_api_pools();
    if (!existing.ok()) return existing.status();
    if (*existing >= kMaxPools)
        return Status{Errc::limit_exceeded,
                      "at most " + std::to_string(kMaxPools) + " identity pools may be made through the API"};
    // A new pool id in the request's region: the same form as an identity id.
    const std::string pool_id = new_identity_id(request_region(request) + ":");
    const json stored = to_json(*definition);
    // The providers first: a limit they refuse leaves no pool behind.
    if (Status s = providers_->replace_pool(pool_id, settings_of(*definition)); !s.ok()) return s;
    if (Status s = pools_.create_pool(pool_id, stored.dump(), clock_()); !s.ok()) {
        providers_->remove_pool(pool_id);
        return s;
    }
    PoolDefinitionSync::announce(bus_, pool_id);
    json answer = stored;
    answer["IdentityPoolId"] = pool_id;
    return answer;
}

Result<json> IdentityPoolApi::describe(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto stored = pools_.pool_definition(*pool);
    if (!stored.ok()) return stored.status();
    return describe_answer(*pool, *stored, providers_->settings(*pool));
}

Result<json> IdentityPoolApi::update(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto definition = identity_pool_definition_from_json(body);
    if (!definition.ok()) return definition.status();
    auto stored = pools_.pool_definition(*pool);
    if (!stored.ok()) return stored.status();
    if (!*stored) return configured_here(*pool);
    auto before = read_stored_pool_definition(**stored);
    if (!before.ok()) return before.status();
    // Identities are linked under the developer provider's name: once set, it stays (as in Cognito).
    if (before->developer_provider_name &&
        before->developer_provider_name != definition->developer_provider_name)
        return invalid("DeveloperProviderName cannot be changed once set (it is " +
                       *before->developer_provider_name + ")");
    const json replacement = to_json(*definition);
    if (Status s = providers_->replace_pool(*pool, settings_of(*definition)); !s.ok()) return s;
    if (Status s = pools_.update_pool_definition(*pool, replacement.dump(), clock_()); !s.ok()) {
        // Back to what the pool still is; a pool deleted meanwhile has no providers left.
        if (s.code() == Errc::not_found)
            providers_->remove_pool(*pool);
        else
            (void)providers_->replace_pool(*pool, settings_of(*before));
        return s;
    }
    PoolDefinitionSync::announce(bus_, *pool);
    json answer = replacement;
    answer["IdentityPoolId"] = *pool;
    return answer;
}

Result<json> IdentityPoolApi::list(const json& body) const {
    const auto max = body.find("MaxResults");
    if (max == body.end() || !max->is_number_integer() || max->get<std::int64_t>() < 1 ||
        max->get<std::int64_t>() > kMaxResults)
        return invalid("MaxResults is required: an integer from 1 to " + std::to_string(kMaxResults));
    std::string after;  // NextToken: the last pool id of the previous page
    if (const auto next = body.find("NextToken"); next != body.end() && !next->is_null()) {
        if (!next->is_string() || !core::validate_identity_pool_id(next->get_ref<const std::string&>()).ok())
            return invalid("NextToken is not one this server gave");
        after = next->get<std::string>();
    }
    const auto limit = static_cast<std::size_t>(max->get<std::int64_t>());
    auto page = pools_.list_pools(after, limit + 1);
    if (!page.ok()) return page.status();
    json answer = {{"IdentityPools", json::array()}};
    if (page->size() > limit) {
        page->resize(limit);
        answer["NextToken"] = page->back().pool_id;
    }
    for (const auto& pool : *page) {
        std::string name = kConfiguredPoolName;
        if (pool.definition) {
            auto definition = read_stored_pool_definition(*pool.definition);
            if (!definition.ok()) return definition.status();
            name = definition->name;
        }
        answer["IdentityPools"].push_back({{"IdentityPoolId", pool.pool_id}, {"IdentityPoolName", name}});
    }
    return answer;
}

Result<json> IdentityPoolApi::remove(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto stored = pools_.pool_definition(*pool);
    if (!stored.ok()) return stored.status();
    if (!*stored) return configured_here(*pool);
    if (Status s = pools_.delete_pool(*pool); !s.ok()) return s;
    providers_->remove_pool(*pool);
    PoolDefinitionSync::announce(bus_, *pool);
    return json::object();
}

}  // namespace synclatch::server
