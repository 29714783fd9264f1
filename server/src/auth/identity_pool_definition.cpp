// Reading, checking and writing the IdentityPool shape. Messages name the member at fault as the request
// does ("CognitoIdentityProviders[1].ClientId: ...").
#include "auth/identity_pool_definition.hpp"

#include <algorithm>

#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

Status invalid(const std::string& member, std::string_view problem) {
    return {Errc::invalid_argument, member + ": " + std::string(problem)};
}

// Cognito's \w (Java's: ASCII letters, digits, underscore) and the extra characters a member allows.
bool only_word_chars_and(std::string_view text, std::string_view extra) {
    return std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               extra.find(c) != std::string_view::npos;
    });
}

Result<bool> boolean_member(const json& body, const char* member, bool fallback) {
    const auto it = body.find(member);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) return invalid(member, "must be true or false");
    return it->get<bool>();
}

// A member that names providers this server cannot check a token of: refused unless empty.
Status refuse_unless_empty(const json& body, const char* member, std::string_view instead) {
    const auto it = body.find(member);
    if (it == body.end() || it->is_null() || it->empty()) return {};
    return invalid(member, "not supported by synclatch-server: " + std::string(instead));
}

Result<std::vector<CognitoIdentityProviderEntry>> cognito_providers(const json& value) {
    constexpr const char* kMember = "CognitoIdentityProviders";
    std::vector<CognitoIdentityProviderEntry> entries;
    if (value.is_null()) return entries;
    if (!value.is_array() || value.size() > IdentityPoolDefinition::kMaxCognitoIdentityProviders)
        return invalid(kMember, "must be a list of at most " +
                                    std::to_string(IdentityPoolDefinition::kMaxCognitoIdentityProviders) +
                                    " providers");
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string path = std::string(kMember) + "[" + std::to_string(i) + "]";
        const json& one = value[i];
        if (!one.is_object()) return invalid(path, "must be an object");
        CognitoIdentityProviderEntry entry;
        const json name = one.value("ProviderName", json());
        if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
            name.get_ref<const std::string&>().size() > IdentityPoolSettings::kMaxProviderNameChars ||
            !only_word_chars_and(name.get_ref<const std::string&>(), "._:/-"))
            return invalid(
                path + ".ProviderName",
                "must be a user pool's provider name, cognito-idp.<region>.amazonaws.com/<pool id>");
        entry.provider_name = name.get<std::string>();
        if (!sync::parse_http_url("https://" + entry.provider_name).ok())
            return invalid(path + ".ProviderName", "must be a host name and a path");
        const json client = one.value("ClientId", json());
        if (!client.is_string() || client.get_ref<const std::string&>().empty() ||
            client.get_ref<const std::string&>().size() > 128 ||
            !only_word_chars_and(client.get_ref<const std::string&>(), "+"))
            return invalid(path + ".ClientId", "must be an app client id of 1 to 128 letters and digits");
        entry.client_id = client.get<std::string>();
        auto check = boolean_member(one, "ServerSideTokenCheck", false);
        if (!check.ok()) return invalid(path, check.status().message());
        entry.server_side_token_check = *check;
        for (const auto& earlier : entries)
            if (earlier.provider_name == entry.provider_name && earlier.client_id == entry.client_id)
                return invalid(path, "names the same provider and client as an earlier entry");
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<std::map<std::string, std::string>> tags(const json& value) {
    constexpr const char* kMember = "IdentityPoolTags";
    std::map<std::string, std::string> out;
    if (value.is_null()) return out;
    if (!value.is_object() || value.size() > IdentityPoolDefinition::kMaxTags)
        return invalid(kMember, "must be an object of at most " +
                                    std::to_string(IdentityPoolDefinition::kMaxTags) + " tags");
    for (auto it = value.begin(); it != value.end(); ++it) {
        if (it.key().empty() || it.key().size() > IdentityPoolDefinition::kMaxTagKeyChars ||
            !it->is_string() ||
            it->get_ref<const std::string&>().size() > IdentityPoolDefinition::kMaxTagValueChars)
            return invalid(kMember, "keys must be 1 to 128 characters and values strings of at most 256");
        out.emplace(it.key(), it->get<std::string>());
    }
    return out;
}

}  // namespace

Result<IdentityPoolDefinition> identity_pool_definition_from_json(const json& body) {
    if (!body.is_object()) return Status{Errc::invalid_argument, "the body must be a JSON object"};
    IdentityPoolDefinition definition;
    const json name = body.value("IdentityPoolName", json());
    if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
        name.get_ref<const std::string&>().size() > IdentityPoolDefinition::kMaxNameChars ||
        !only_word_chars_and(name.get_ref<const std::string&>(), " \t+=,.@-"))
        return invalid("IdentityPoolName", "must be 1 to 128 letters, digits, spaces and +=,.@-_");
    definition.name = name.get<std::string>();
    const auto allow = body.find("AllowUnauthenticatedIdentities");
    if (allow == body.end() || !allow->is_boolean())
        return invalid("AllowUnauthenticatedIdentities", "is required: true or false");
    definition.allow_unauthenticated_identities = allow->get<bool>();
    auto classic = boolean_member(body, "AllowClassicFlow", false);
    if (!classic.ok()) return classic.status();
    definition.allow_classic_flow = *classic;
    if (const auto developer = body.find("DeveloperProviderName");
        developer != body.end() && !developer->is_null()) {
        if (!developer->is_string()) return invalid("DeveloperProviderName", "must be a string");
        definition.developer_provider_name = developer->get<std::string>();
    }
    if (Status s =
            refuse_unless_empty(body, "SupportedLoginProviders",
                                "give OpenID Connect providers (Google, Apple) in OpenIdConnectProviders");
        !s.ok())
        return s;
    if (Status s = refuse_unless_empty(body, "OpenIdConnectProviderARNs",
                                       "there is no IAM here; give the provider's issuer, audiences and "
                                       "JwksUrl in OpenIdConnectProviders");
        !s.ok())
        return s;
    if (Status s = refuse_unless_empty(body, "SamlProviderARNs", "SAML sign-in is not supported"); !s.ok())
        return s;
    auto cognito = cognito_providers(body.value("CognitoIdentityProviders", json()));
    if (!cognito.ok()) return cognito.status();
    definition.cognito_identity_providers = std::move(cognito).value();
    auto pool_tags = tags(body.value("IdentityPoolTags", json()));
    if (!pool_tags.ok()) return pool_tags.status();
    definition.tags = std::move(pool_tags).value();

    // Our own providers, read as the --identity-pools file's are, but never from a file on the server.
    if (const auto providers = body.find("OpenIdConnectProviders");
        providers != body.end() && !providers->is_null()) {
        auto read = identity_pool_settings_from_json(json{{"OpenIdConnectProviders", *providers}});
        if (!read.ok()) return read.status();
        for (std::size_t i = 0; i < read->open_id_connect_providers.size(); ++i)
            if (!read->open_id_connect_providers[i].jwks_file.empty())
                return invalid("OpenIdConnectProviders[" + std::to_string(i) + "].JwksFile",
                               "is for the --identity-pools file only: give a JwksUrl");
        definition.open_id_connect_providers = std::move(read->open_id_connect_providers);
    }
    // The whole, as the pool will use it: unique names, the developer provider's name among them.
    if (Status s = validate(settings_of(definition)); !s.ok()) return s;
    return definition;
}

json to_json(const IdentityPoolDefinition& definition) {
    json out = {{"IdentityPoolName", definition.name},
                {"AllowUnauthenticatedIdentities", definition.allow_unauthenticated_identities},
                {"AllowClassicFlow", definition.allow_classic_flow},
                {"CognitoIdentityProviders", json::array()},
                {"IdentityPoolTags", definition.tags}};
    if (definition.developer_provider_name)
        out["DeveloperProviderName"] = *definition.developer_provider_name;
    for (const auto& entry : definition.cognito_identity_providers)
        out["CognitoIdentityProviders"].push_back({{"ProviderName", entry.provider_name},
                                                   {"ClientId", entry.client_id},
                                                   {"ServerSideTokenCheck", entry.server_side_token_check}});
    IdentityPoolSettings own;
    own.open_id_connect_providers = definition.open_id_connect_providers;
    out["OpenIdConnectProviders"] = to_json(own).at("OpenIdConnectProviders");
    return out;
}

IdentityPoolSettings settings_of(const IdentityPoolDefinition& definition) {
    IdentityPoolSettings settings;
    settings.allow_unauthenticated_identities = definition.allow_unauthenticated_identities;
    settings.developer_provider_name = definition.developer_provider_name;
    settings.open_id_connect_providers = definition.open_id_connect_providers;
    // One provider per user pool, its app clients the audiences. A name that is also one of the pool's
    // own providers is left for validate() to refuse.
    std::vector<OpenIdConnectProviderSettings> user_pools;
    for (const auto& entry : definition.cognito_identity_providers) {
        auto same = std::find_if(user_pools.begin(), user_pools.end(),
                                 [&](const auto& provider) { return provider.name == entry.provider_name; });
        if (same == user_pools.end()) {
            const std::string issuer = "https://" + entry.provider_name;
            user_pools.push_back(OpenIdConnectProviderSettings{
                entry.provider_name, issuer, {}, "", issuer + "/.well-known/jwks.json"});
            same = std::prev(user_pools.end());
        }
        same->audiences.push_back(entry.client_id);
    }
    settings.open_id_connect_providers.insert(settings.open_id_connect_providers.end(), user_pools.begin(),
                                              user_pools.end());
    return settings;
}

Result<IdentityPoolDefinition> read_stored_pool_definition(const std::string& text) {
    auto document = sync::parse_json_body(text);
    auto definition = document.ok() ? identity_pool_definition_from_json(*document)
                                    : Result<IdentityPoolDefinition>(document.status());
    if (!definition.ok())
        return Status{Errc::internal,
                      "a stored pool definition does not read: " + definition.status().message()};
    return definition;
}

}  // namespace synclatch::server
