// The developer-authenticated calls. Each reads its members, checks them, then makes one store call:
// what fails before the store changes nothing, and each store call is one transaction.
#include "api/developer_identity_api.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/identity_answers.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // GCC bug 109224, as in identity_api.cpp
#endif

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::string_view kOperations[] = {"GetOpenIdTokenForDeveloperIdentity",
                                            "LookupDeveloperIdentity",
                                            "MergeDeveloperIdentities",
                                            "UnlinkDeveloperIdentity",
                                            "DescribeIdentity",
                                            "ListIdentities",
                                            "DeleteIdentities"};

// An identity's login providers, each once, as DescribeIdentity and ListIdentities name them: those of
// its logins, and those an import brought without their users (IdentityStorage::unlinked_providers).
json provider_names(const std::vector<Login>& logins, const std::vector<std::string>& unlinked) {
    json names = json::array();
    const auto add = [&](const std::string& provider) {
        if (std::find(names.begin(), names.end(), provider) == names.end()) names.push_back(provider);
    };
    for (const auto& login : logins)
        add(login.provider);
    for (const auto& provider : unlinked)
        add(provider);
    return names;
}

Status invalid(std::string message) {
    return Status{Errc::invalid_argument, std::move(message)};
}

Result<std::string> developer_user_id(const json& value, const std::string& what) {
    if (!value.is_string()) return invalid(what + " must be a string");
    const auto& id = value.get_ref<const std::string&>();
    if (id.empty() || id.size() > DeveloperIdentityApi::kMaxDeveloperUserIdChars)
        return invalid(what + " must be 1 to " +
                       std::to_string(DeveloperIdentityApi::kMaxDeveloperUserIdChars) + " characters");
    return id;
}

// An optional member: nullopt when absent or null.
const json* optional_member(const json& body, const char* member) {
    const auto it = body.find(member);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

Result<std::optional<std::string>> optional_identity_id(const json& body) {
    if (optional_member(body, "IdentityId") == nullptr) return std::optional<std::string>{};
    auto id = id_member(body, "IdentityId", core::validate_identity_id);
    if (!id.ok()) return id.status();
    return std::optional<std::string>(std::move(id).value());
}

Result<std::int64_t> integer_member(const json& body, const char* member, std::int64_t low, std::int64_t high,
                                    std::int64_t fallback) {
    const json* value = optional_member(body, member);
    if (value == nullptr) return fallback;
    if (!value->is_number_integer() || value->get<std::int64_t>() < low || value->get<std::int64_t>() > high)
        return invalid(std::string(member) + " must be an integer from " + std::to_string(low) + " to " +
                       std::to_string(high));
    return value->get<std::int64_t>();
}

// A developer merging or linking a user another identity has gets a conflict, not NotAuthorized: the
// caller is authorized, the request contradicts what is linked.
Status as_conflict(Status status) {
    if (status.code() == Errc::unauthorized) return Status{Errc::conflict, status.message()};
    return status;
}

}  // namespace

DeveloperIdentityApi::DeveloperIdentityApi(IdentityStorage& store, std::function<EpochMillis()> clock,
                                           const OpenIdTokens& tokens, const LoginProviders* providers)
    : store_(store), clock_(std::move(clock)), tokens_(tokens), providers_(providers) {}

bool DeveloperIdentityApi::owns(std::string_view operation) {
    return std::find(std::begin(kOperations), std::end(kOperations), operation) != std::end(kOperations);
}

boost::asio::awaitable<HttpResponse> DeveloperIdentityApi::handle(const HttpRequest& request,
                                                                  std::string_view operation,
                                                                  const Result<Principal>& principal) const {
    co_return answer_developer_call(
        request, operation, principal,
        [&](const json& body) -> Result<json> {
            if (operation == "GetOpenIdTokenForDeveloperIdentity") return get_open_id_token(body);
            if (operation == "LookupDeveloperIdentity") return lookup(body);
            if (operation == "MergeDeveloperIdentities") return merge(body);
            if (operation == "UnlinkDeveloperIdentity") return unlink(body);
            if (operation == "ListIdentities") return list(body);
            if (operation == "DeleteIdentities") return remove(body);
            return describe(body);
        },
        // Cognito's model names the conflict of GetOpenIdTokenForDeveloperIdentity (a user already linked to
        // another identity) DeveloperUserAlreadyRegisteredException.
        operation == "GetOpenIdTokenForDeveloperIdentity" ? "DeveloperUserAlreadyRegisteredException"
                                                          : "ResourceConflictException");
}

Result<std::string> DeveloperIdentityApi::developer_provider(std::string_view pool_id) const {
    auto name = providers_ == nullptr ? std::nullopt : providers_->developer_provider(pool_id);
    if (!name)
        return invalid("identity pool " + std::string(pool_id) +
                       " has no developer provider (DeveloperProviderName; --developer-provider)");
    return std::move(*name);
}

Result<std::string> DeveloperIdentityApi::named_developer_provider(const json& body,
                                                                   std::string_view pool_id) const {
    auto developer = developer_provider(pool_id);
    if (!developer.ok()) return developer.status();
    const json* named = optional_member(body, "DeveloperProviderName");
    if (named == nullptr || !named->is_string() || named->get_ref<const std::string&>() != *developer)
        return invalid("DeveloperProviderName must be the pool's developer provider, " + *developer);
    return developer;
}

Result<json> DeveloperIdentityApi::get_open_id_token(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto developer = developer_provider(*pool);
    if (!developer.ok()) return developer.status();
    const json* logins = optional_member(body, "Logins");
    if (logins == nullptr || !logins->is_object() || !logins->contains(*developer))
        return invalid("Logins must map the developer provider " + *developer + " to the user's id");
    auto user = developer_user_id(logins->at(*developer), "Logins[" + *developer + "]");
    if (!user.ok()) return user.status();
    auto duration =
        integer_member(body, "TokenDuration", 1, kMaxTokenDurationSeconds, kDefaultTokenDurationSeconds);
    if (!duration.ok()) return duration.status();
    auto identity = optional_identity_id(body);
    if (!identity.ok()) return identity.status();

    // The other entries are tokens of the pool's OpenID Connect providers, verified as GetId's are.
    const EpochMillis now = clock_();
    json others = *logins;
    others.erase(*developer);
    VerifiedLogins verified;
    if (!others.empty()) {
        if (providers_ == nullptr)
            return Status{Errc::unauthorized, "this identity pool has no login providers"};
        auto checked = providers_->verify(*pool, others, now);
        if (!checked.ok()) return checked.status();
        if (checked->proven_identity)
            return invalid(std::string(OpenIdTokens::kLoginProvider) + " is not a login that can be linked");
        verified = std::move(checked).value();
    }
    std::vector<Login> all = std::move(verified.logins);
    all.push_back(Login{*developer, *user});

    Result<SignIn> signed_in = Status{Errc::internal, "unreachable"};
    if (*identity) {
        auto of = store_.pool_of(**identity);
        if (!of.ok()) return of.status();
        if (*of != *pool) return invalid("IdentityId " + **identity + " is not of identity pool " + *pool);
        // The developer vouches for its user: the identity may take the logins whatever it has.
        signed_in = store_.authorize(**identity, all, /*proven=*/true, now);
    } else {
        signed_in = store_.identity_for_logins(*pool, all, now);
    }
    if (!signed_in.ok()) return as_conflict(signed_in.status());
    auto own = store_.logins(signed_in->identity_id);
    if (!own.ok()) return own.status();
    std::vector<std::string> amr{"authenticated"};
    for (const auto& login : *own)
        if (std::find(amr.begin(), amr.end(), login.provider) == amr.end()) amr.push_back(login.provider);
    auto token = tokens_.issue(*pool, signed_in->identity_id, now, amr, *duration * 1000);
    if (!token.ok()) return token.status();
    return json{{"IdentityId", signed_in->identity_id}, {"Token", *token}};
}

Result<json> DeveloperIdentityApi::lookup(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto developer = developer_provider(*pool);
    if (!developer.ok()) return developer.status();
    auto identity = optional_identity_id(body);
    if (!identity.ok()) return identity.status();
    const json* user = optional_member(body, "DeveloperUserIdentifier");
    if (!*identity && user == nullptr) return invalid("give IdentityId, DeveloperUserIdentifier or both");
    auto max_results = integer_member(body, "MaxResults", 1, kMaxResults, kMaxResults);
    if (!max_results.ok()) return max_results.status();
    std::string after;  // NextToken: the last user id of the previous page
    if (const json* next = optional_member(body, "NextToken")) {
        auto token = developer_user_id(*next, "NextToken");
        if (!token.ok()) return token.status();
        after = std::move(token).value();
    }

    if (user != nullptr) {
        auto id = developer_user_id(*user, "DeveloperUserIdentifier");
        if (!id.ok()) return id.status();
        auto owner = store_.find_for_logins(*pool, {Login{*developer, *id}});
        if (!owner.ok()) return owner.status();
        if (!*owner)
            return Status{Errc::not_found,
                          "DeveloperUserIdentifier " + *id + " is not linked to an identity"};
        if (*identity && **identity != **owner)
            return Status{Errc::conflict, "DeveloperUserIdentifier " + *id + " is linked to " + **owner +
                                              ", not to " + **identity};
        identity = std::move(*owner);
    }
    auto description = store_.describe_identity(**identity);
    if (!description.ok()) return description.status();
    if (description->pool_id != *pool)
        return Status{Errc::not_found, "Identity '" + **identity + "' not found."};
    std::vector<std::string> users;
    for (const auto& login : description->logins)
        if (login.provider == *developer && login.subject > after) users.push_back(login.subject);
    std::sort(users.begin(), users.end());
    json answer = {{"IdentityId", **identity}};
    if (users.size() > static_cast<std::size_t>(*max_results)) {
        users.resize(static_cast<std::size_t>(*max_results));
        answer["NextToken"] = users.back();
    }
    answer["DeveloperUserIdentifierList"] = users;
    return answer;
}

Result<json> DeveloperIdentityApi::merge(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto developer = named_developer_provider(body, *pool);
    if (!developer.ok()) return developer.status();
    auto source = developer_user_id(body.value("SourceUserIdentifier", json()), "SourceUserIdentifier");
    if (!source.ok()) return source.status();
    auto destination =
        developer_user_id(body.value("DestinationUserIdentifier", json()), "DestinationUserIdentifier");
    if (!destination.ok()) return destination.status();

    auto owner = [&](const std::string& user, const char* member) -> Result<std::string> {
        auto found = store_.find_for_logins(*pool, {Login{*developer, user}});
        if (!found.ok()) return found.status();
        if (!*found)
            return Status{Errc::not_found,
                          std::string(member) + " " + user + " is not linked to an identity"};
        return std::move(**found);
    };
    auto merged = owner(*source, "SourceUserIdentifier");
    if (!merged.ok()) return merged.status();
    auto survivor = owner(*destination, "DestinationUserIdentifier");
    if (!survivor.ok()) return survivor.status();
    if (*merged != *survivor) {
        auto moved = store_.merge(*survivor, *merged, clock_());
        if (!moved.ok()) return as_conflict(moved.status());
    }
    return json{{"IdentityId", *survivor}};
}

Result<json> DeveloperIdentityApi::describe(const json& body) const {
    auto identity = id_member(body, "IdentityId", core::validate_identity_id);
    if (!identity.ok()) return identity.status();
    auto description = store_.describe_identity(*identity);
    if (!description.ok()) return description.status();
    auto unlinked = store_.unlinked_providers(*identity);
    if (!unlinked.ok()) return unlinked.status();
    return json{{"IdentityId", *identity},
                {"Logins", provider_names(description->logins, *unlinked)},
                {"CreationDate", sync::epoch_seconds_json(description->created)},
                {"LastModifiedDate", sync::epoch_seconds_json(description->last_modified)}};
}

Result<json> DeveloperIdentityApi::unlink(const json& body) const {
    auto identity = id_member(body, "IdentityId", core::validate_identity_id);
    if (!identity.ok()) return identity.status();
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    auto developer = named_developer_provider(body, *pool);
    if (!developer.ok()) return developer.status();
    auto user = developer_user_id(body.value("DeveloperUserIdentifier", json()), "DeveloperUserIdentifier");
    if (!user.ok()) return user.status();
    auto of = store_.pool_of(*identity);
    if (!of.ok()) return of.status();
    if (*of != *pool) return invalid("IdentityId " + *identity + " is not of identity pool " + *pool);
    auto unlinked = store_.unlink(*identity, {Login{*developer, *user}}, clock_());
    if (!unlinked.ok()) return unlinked.status();
    return json::object();
}

Result<json> DeveloperIdentityApi::list(const json& body) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) return pool.status();
    if (optional_member(body, "MaxResults") == nullptr) return invalid("MaxResults is required");
    auto max_results = integer_member(body, "MaxResults", 1, kMaxResults, kMaxResults);
    if (!max_results.ok()) return max_results.status();
    std::string after;  // NextToken: the last identity id of the previous page
    if (const json* next = optional_member(body, "NextToken")) {
        if (!next->is_string() || !core::validate_identity_id(next->get_ref<const std::string&>()).ok())
            return invalid("NextToken is not one this server gave");
        after = next->get<std::string>();
    }
    const json* hide = optional_member(body, "HideDisabled");
    if (hide != nullptr && !hide->is_boolean()) return invalid("HideDisabled must be a boolean");
    const auto limit = static_cast<std::size_t>(*max_results);
    auto page = store_.list_identities(*pool, after, limit + 1, hide != nullptr && hide->get<bool>());
    if (!page.ok()) return page.status();
    json answer = {{"IdentityPoolId", *pool}, {"Identities", json::array()}};
    if (page->size() > limit) {
        page->resize(limit);
        answer["NextToken"] = page->back().identity_id;
    }
    for (const auto& identity : *page) {
        auto unlinked = store_.unlinked_providers(identity.identity_id);
        if (!unlinked.ok()) return unlinked.status();
        answer["Identities"].push_back(
            {{"IdentityId", identity.identity_id},
             {"Logins", provider_names(identity.logins, *unlinked)},
             {"CreationDate", sync::epoch_seconds_json(identity.created)},
             {"LastModifiedDate", sync::epoch_seconds_json(identity.last_modified)}});
    }
    return answer;
}

Result<json> DeveloperIdentityApi::remove(const json& body) const {
    const json* ids = optional_member(body, "IdentityIdsToDelete");
    if (ids == nullptr || !ids->is_array() || ids->empty() ||
        ids->size() > static_cast<std::size_t>(kMaxIdentitiesToDelete))
        return invalid("IdentityIdsToDelete must list 1 to " + std::to_string(kMaxIdentitiesToDelete) +
                       " identity ids");
    std::vector<std::string> identities;
    for (const auto& id : *ids) {
        if (!id.is_string() || !core::validate_identity_id(id.get_ref<const std::string&>()).ok())
            return invalid("IdentityIdsToDelete must hold identity ids");
        identities.push_back(id.get<std::string>());
    }
    // All or none: one transaction, so nothing is ever left unprocessed to report one by one.
    if (Status s = store_.delete_identities(identities); !s.ok()) return s;
    return json{{"UnprocessedIdentityIds", json::array()}};
}

}  // namespace synclatch::server
