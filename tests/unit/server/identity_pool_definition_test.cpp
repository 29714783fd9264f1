// Identity pool definitions (CreateIdentityPool's members): what they come down to as sign-in settings (a
// Cognito user pool is an OpenID Connect provider of its own issuer, its app clients the audiences), what
// is refused and why, and the stored form reading back the same.
#include "auth/identity_pool_definition.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace synclatch;
using server::IdentityPoolDefinition;
using json = nlohmann::json;

namespace {

constexpr const char* kUserPool = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc";

json game_pool() {
    return {{"IdentityPoolName", "game players"},
            {"AllowUnauthenticatedIdentities", true},
            {"DeveloperProviderName", "login.game.app"},
            {"CognitoIdentityProviders",
             {{{"ProviderName", kUserPool}, {"ClientId", "web"}},
              {{"ProviderName", kUserPool}, {"ClientId", "mobile"}, {"ServerSideTokenCheck", true}}}},
            {"OpenIdConnectProviders",
             {{{"Name", "accounts.google.com"},
               {"Issuer", "https://accounts.google.com"},
               {"Audiences", {"123.apps.googleusercontent.com"}},
               {"JwksUrl", "https://www.googleapis.com/oauth2/v3/certs"}}}},
            {"IdentityPoolTags", {{"team", "games"}}}};
}

std::string refusal(const json& body) {
    auto definition = server::identity_pool_definition_from_json(body);
    REQUIRE_FALSE(definition.ok());
    CHECK(definition.status().code() == Errc::invalid_argument);
    return definition.status().message();
}

}  // namespace

TEST_CASE("Pool definition: a user pool's app clients are one provider of the user pool's issuer",
          "[server][identity]") {
    auto definition = server::identity_pool_definition_from_json(game_pool());
    REQUIRE(definition.ok());
    const auto settings = server::settings_of(*definition);
    CHECK(settings.allow_unauthenticated_identities);
    CHECK(settings.developer_provider_name == "login.game.app");
    REQUIRE(settings.open_id_connect_providers.size() == 2);
    const auto& user_pool = settings.open_id_connect_providers[1];
    CHECK(user_pool.name == kUserPool);
    CHECK(user_pool.issuer == std::string("https://") + kUserPool);
    CHECK(user_pool.jwks_url == std::string("https://") + kUserPool + "/.well-known/jwks.json");
    CHECK(user_pool.audiences == std::vector<std::string>{"web", "mobile"});
    CHECK(settings.open_id_connect_providers[0].name == "accounts.google.com");
}

TEST_CASE("Pool definition: the stored form reads back the same, and is Cognito's shape",
          "[server][identity]") {
    auto definition = server::identity_pool_definition_from_json(game_pool());
    REQUIRE(definition.ok());
    const json stored = server::to_json(*definition);
    CHECK(stored.at("IdentityPoolName") == "game players");
    CHECK(stored.at("CognitoIdentityProviders")[1] ==
          json{{"ProviderName", kUserPool}, {"ClientId", "mobile"}, {"ServerSideTokenCheck", true}});
    CHECK(stored.at("IdentityPoolTags") == json{{"team", "games"}});
    auto again = server::identity_pool_definition_from_json(stored);
    REQUIRE(again.ok());
    CHECK(*again == *definition);
}

TEST_CASE("Pool definition: what cannot be served is refused, naming the member", "[server][identity]") {
    json body = game_pool();
    body.erase("IdentityPoolName");
    CHECK_THAT(refusal(body), Catch::StartsWith("IdentityPoolName"));
    body["IdentityPoolName"] = "";
    CHECK_THAT(refusal(body), Catch::StartsWith("IdentityPoolName"));
    body = game_pool();
    body["IdentityPoolName"] = "slash/not allowed";
    CHECK_THAT(refusal(body), Catch::StartsWith("IdentityPoolName"));
    body = game_pool();
    body.erase("AllowUnauthenticatedIdentities");
    CHECK_THAT(refusal(body), Catch::StartsWith("AllowUnauthenticatedIdentities"));
    body = game_pool();
    body["SupportedLoginProviders"] = {{"graph.facebook.com", "123"}};
    CHECK_THAT(refusal(body), Catch::StartsWith("SupportedLoginProviders"));
    body = game_pool();
    body["OpenIdConnectProviderARNs"] = {"arn:aws:iam::123456789012:oidc-provider/example.com"};
    CHECK_THAT(refusal(body), Catch::StartsWith("OpenIdConnectProviderARNs"));
    body = game_pool();
    body["SamlProviderARNs"] = {"arn:aws:iam::123456789012:saml-provider/x"};
    CHECK_THAT(refusal(body), Catch::StartsWith("SamlProviderARNs"));
    body = game_pool();
    body["OpenIdConnectProviders"][0].erase("JwksUrl");
    body["OpenIdConnectProviders"][0]["JwksFile"] = "/etc/passwd";
    CHECK_THAT(refusal(body), Catch::StartsWith("OpenIdConnectProviders[0].JwksFile"));
    body = game_pool();
    body["CognitoIdentityProviders"][0]["ClientId"] = "";
    CHECK_THAT(refusal(body), Catch::StartsWith("CognitoIdentityProviders[0].ClientId"));
    body = game_pool();
    body["CognitoIdentityProviders"][1]["ClientId"] = "web";  // the same client twice
    CHECK_THAT(refusal(body), Catch::StartsWith("CognitoIdentityProviders[1]"));
    body = game_pool();
    body["OpenIdConnectProviders"][0]["Name"] = kUserPool;  // also a user pool's name
    CHECK_THAT(refusal(body), Catch::Contains("is already the Name"));
    body = game_pool();
    body["IdentityPoolTags"] = json::object();
    for (int i = 0; i <= static_cast<int>(IdentityPoolDefinition::kMaxTags); ++i)
        body["IdentityPoolTags"]["tag" + std::to_string(i)] = "v";
    CHECK_THAT(refusal(body), Catch::StartsWith("IdentityPoolTags"));
    // What Cognito's SDKs do not send is left alone.
    body = game_pool();
    body["SomethingNew"] = 1;
    CHECK(server::identity_pool_definition_from_json(body).ok());
}
