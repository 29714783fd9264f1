// IdentityPoolDefinition: an identity pool as CreateIdentityPool and UpdateIdentityPool give it and
// DescribeIdentityPool answers it (Cognito Identity's IdentityPool shape), for the pools an operator makes
// through the API; and the sign-in settings (IdentityPoolSettings) it comes down to.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/identity_pool_settings.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

// A Cognito user pool app client (CognitoIdentityProviders): its ID tokens are OpenID Connect tokens of
// the issuer https://<provider_name>, keys at <issuer>/.well-known/jwks.json, audience the client id.
struct CognitoIdentityProviderEntry {
    std::string provider_name;  // "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    std::string client_id;
    bool server_side_token_check = false;  // kept and answered; tokens are always checked offline here

    bool operator==(const CognitoIdentityProviderEntry&) const = default;
};

struct IdentityPoolDefinition {
    // Cognito's limits (API reference): IdentityPoolName 1 to 128 of [\w\s+=,.@-], 50 tags of keys 1 to
    // 128 and values up to 256 characters; our own bound on CognitoIdentityProviders.
    static constexpr std::size_t kMaxNameChars = 128;
    static constexpr std::size_t kMaxTags = 50;
    static constexpr std::size_t kMaxTagKeyChars = 128;
    static constexpr std::size_t kMaxTagValueChars = 256;
    static constexpr std::size_t kMaxCognitoIdentityProviders = 50;

    std::string name;  // IdentityPoolName
    bool allow_unauthenticated_identities = true;
    bool allow_classic_flow = false;  // kept and answered; the classic flow is not served
    std::optional<std::string> developer_provider_name;
    std::vector<CognitoIdentityProviderEntry> cognito_identity_providers;
    // synclatch's own member (the unmodified SDKs do not send it): OpenID Connect providers in the form of
    // the --identity-pools file, keys from a JwksUrl only.
    std::vector<OpenIdConnectProviderSettings> open_id_connect_providers;
    std::map<std::string, std::string> tags;  // IdentityPoolTags

    bool operator==(const IdentityPoolDefinition&) const = default;
};

// Reads the members of a CreateIdentityPool or UpdateIdentityPool request (IdentityPoolId is the
// caller's to check), validated: invalid_argument naming the member at fault. Members that name what this
// server cannot verify (SupportedLoginProviders, OpenIdConnectProviderARNs, SamlProviderARNs, when not
// empty) are refused with what to use instead; members it does not know are ignored, as Cognito does.
Result<IdentityPoolDefinition> identity_pool_definition_from_json(const nlohmann::json& body);

// The IdentityPool shape, without IdentityPoolId (DescribeIdentityPool adds it); what is stored, too.
nlohmann::json to_json(const IdentityPoolDefinition& definition);

// The sign-in settings the pool comes down to: its own OpenID Connect providers and one per user pool in
// CognitoIdentityProviders (the app clients of one user pool are its audiences).
IdentityPoolSettings settings_of(const IdentityPoolDefinition& definition);

// A definition the store kept (to_json's text), read back; internal if it no longer reads (a definition
// is checked before it is stored, so only a database changed by hand gets here).
Result<IdentityPoolDefinition> read_stored_pool_definition(const std::string& text);

}  // namespace synclatch::server
