// IdentityPoolSettings: how the users of one identity pool may sign in, in Cognito Identity's own
// vocabulary (CreateIdentityPool's members): whether guests may get identities, the developer provider's
// name, and the OpenID Connect providers whose tokens the pool trusts. The operator gives them in the
// --identity-pools file (a JSON object keyed by pool id) or, for the default pool, on the command line;
// they are written back as JSON for DescribeIdentityPool and for storage.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

// One trusted OpenID Connect provider (synclatch's stand-in for Cognito's OpenIdConnectProviderARNs, whose
// IAM provider objects carry the same facts: issuer, client ids and where the keys are).
struct OpenIdConnectProviderSettings {
    std::string name;                    // Name: the Logins key ("accounts.example.com")
    std::string issuer;                  // Issuer: the tokens' iss, compared exactly
    std::vector<std::string> audiences;  // Audiences: the accepted client ids (aud)
    std::string jwks_file;               // JwksFile: a JWKS document on disk, or
    std::string jwks_url;                // JwksUrl: one served over http(s); exactly one of the two is set

    bool operator==(const OpenIdConnectProviderSettings&) const = default;
};

struct IdentityPoolSettings {
    // Cognito's constraints (Cognito Identity API reference: IdentityProviderName, DeveloperProviderName).
    static constexpr std::size_t kMaxProviderNameChars = 128;
    static constexpr std::size_t kMaxDeveloperProviderNameChars = 128;
    // Bounds of our own, far above real use: a file or a CreateIdentityPool call cannot make the server
    // keep (and fetch keys for) an unbounded number of providers.
    static constexpr std::size_t kMaxOpenIdConnectProviders = 50;
    static constexpr std::size_t kMaxAudiences = 50;
    static constexpr std::size_t kMaxAudienceChars = 255;
    static constexpr std::size_t kMaxJwksFileChars = 4096;

    bool allow_unauthenticated_identities = true;                          // AllowUnauthenticatedIdentities
    std::optional<std::string> developer_provider_name;                    // DeveloperProviderName
    std::vector<OpenIdConnectProviderSettings> open_id_connect_providers;  // OpenIdConnectProviders

    bool operator==(const IdentityPoolSettings&) const = default;
};

// ok, or invalid_argument whose message starts with the member at fault, as the JSON names it:
// "OpenIdConnectProviders[1].Issuer: must be an http(s) URL ...". Checks Cognito's constraints, names
// unique in the pool, and that no name is cognito-identity.amazonaws.com (the Logins key of this server's
// own tokens) or the developer provider's.
Status validate(const IdentityPoolSettings& settings);

// The JSON object: {"AllowUnauthenticatedIdentities", "DeveloperProviderName" (when set),
// "OpenIdConnectProviders": [{"Name", "Issuer", "Audiences", "JwksFile" or "JwksUrl"}]}.
nlohmann::json to_json(const IdentityPoolSettings& settings);
// The reverse, validated. Members may be left out (defaults as in the struct); a member of the wrong type or
// one not named above is invalid_argument, since in an operator's file a misspelt member would otherwise
// drop a setting in silence.
Result<IdentityPoolSettings> identity_pool_settings_from_json(const nlohmann::json& json);

using IdentityPoolSettingsMap = std::map<std::string, IdentityPoolSettings>;

// The --identity-pools document: a JSON object from pool id to settings. source names the document in
// messages ("identity-pools.json: pool us-east-1:...: OpenIdConnectProviders[1].Issuer: ..."). Pool ids
// must pass core::validate_identity_pool_id. A relative JwksFile is taken relative to base_dir.
inline constexpr std::size_t kMaxIdentityPoolsFileBytes = 1024 * 1024;
Result<IdentityPoolSettingsMap> parse_identity_pools(std::string_view document, std::string_view source,
                                                     const std::filesystem::path& base_dir = {});
// The same, read from a file of at most kMaxIdentityPoolsFileBytes; relative JwksFile paths are taken
// relative to the file's folder, so the file means the same whatever the server's working directory.
Result<IdentityPoolSettingsMap> read_identity_pools_file(const std::filesystem::path& path);

// The command-line shorthand for one provider: NAME,ISSUER,AUDIENCE[+AUDIENCE...],JWKS. The first three
// fields end at the first three commas and so cannot contain one; JWKS is the rest of the value (a URL may
// contain commas): an http:// or https:// URL, else a file path. Not validated beyond its form: the
// settings it goes into are.
Result<OpenIdConnectProviderSettings> parse_login_provider_option(std::string_view value);

// The default pool's settings from the command-line shorthands (--login-provider, repeatable;
// --no-unauthenticated-identities; --developer-provider), validated; messages name the option at fault.
Result<IdentityPoolSettings> settings_from_command_line(const std::vector<std::string>& login_providers,
                                                        bool allow_unauthenticated_identities,
                                                        const std::string& developer_provider);

}  // namespace synclatch::server
