// Identity pool settings: the JSON of a pool's sign-in settings round-trips, every constraint is refused
// with a message that starts with the member at fault, the --identity-pools file names its pool as well,
// and the command-line shorthand for the default pool names its option.
#include "auth/identity_pool_settings.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "support/numbered.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch;
using server::IdentityPoolSettings;
using server::OpenIdConnectProviderSettings;
using json = nlohmann::json;

namespace {

constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr const char* kOtherPool = "eu-west-1:11111111-1111-4111-8111-111111111111";

json valid_settings() {
    return json::parse(R"({
        "AllowUnauthenticatedIdentities": false,
        "DeveloperProviderName": "login.example.app",
        "OpenIdConnectProviders": [
            {"Name": "accounts.example.com", "Issuer": "https://accounts.example.com",
             "Audiences": ["client-a", "client-b"], "JwksUrl": "https://accounts.example.com/.well-known/jwks.json"},
            {"Name": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
             "Issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
             "Audiences": ["app-client"], "JwksFile": "/etc/synclatch/user-pool-jwks.json"}
        ]
    })");
}

// The message of the refusal of settings, which must be invalid_argument.
std::string refusal(const json& settings) {
    auto parsed = server::identity_pool_settings_from_json(settings);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Errc::invalid_argument);
    return parsed.status().message();
}

}  // namespace

TEST_CASE("Identity pool settings: JSON round trip", "[server][providers]") {
    SECTION("every member") {
        auto parsed = server::identity_pool_settings_from_json(valid_settings());
        REQUIRE(parsed.ok());
        CHECK_FALSE(parsed->allow_unauthenticated_identities);
        CHECK(parsed->developer_provider_name == "login.example.app");
        REQUIRE(parsed->open_id_connect_providers.size() == 2);
        const auto& url_provider = parsed->open_id_connect_providers[0];
        CHECK(url_provider.name == "accounts.example.com");
        CHECK(url_provider.issuer == "https://accounts.example.com");
        CHECK(url_provider.audiences == std::vector<std::string>{"client-a", "client-b"});
        CHECK(url_provider.jwks_url == "https://accounts.example.com/.well-known/jwks.json");
        CHECK(url_provider.jwks_file.empty());
        CHECK(parsed->open_id_connect_providers[1].jwks_file == "/etc/synclatch/user-pool-jwks.json");

        CHECK(server::to_json(*parsed) == valid_settings());
        auto again = server::identity_pool_settings_from_json(server::to_json(*parsed));
        REQUIRE(again.ok());
        CHECK(*again == *parsed);
    }
    SECTION("an empty object has the defaults: guests allowed, no developer provider, no providers") {
        auto parsed = server::identity_pool_settings_from_json(json::object());
        REQUIRE(parsed.ok());
        CHECK(*parsed == IdentityPoolSettings{});
        CHECK(parsed->allow_unauthenticated_identities);
        CHECK(server::to_json(*parsed) ==
              json{{"AllowUnauthenticatedIdentities", true}, {"OpenIdConnectProviders", json::array()}});
    }
}

TEST_CASE("Identity pool settings: each constraint is refused, naming the member", "[server][providers]") {
    struct Case {
        const char* what;
        std::function<void(json&)> change;
        const char* message_start;
    };
    const std::string long_name(129, 'a');
    const json provider = valid_settings()["OpenIdConnectProviders"][1];
    const std::vector<Case> cases = {
        {"not an object", [](json& s) { s = json::array(); }, "the settings must be a JSON object"},
        {"unknown member", [](json& s) { s["AllowUnauthenticatedIdentitis"] = true; },
         "AllowUnauthenticatedIdentitis: not a member of identity pool settings"},
        {"AllowUnauthenticatedIdentities not a bool",
         [](json& s) { s["AllowUnauthenticatedIdentities"] = "yes"; },
         "AllowUnauthenticatedIdentities: must be true or false"},
        {"DeveloperProviderName not a string", [](json& s) { s["DeveloperProviderName"] = 5; },
         "DeveloperProviderName: must be a string"},
        {"DeveloperProviderName empty", [](json& s) { s["DeveloperProviderName"] = ""; },
         "DeveloperProviderName: must be 1 to 128 characters of letters, digits"},
        {"DeveloperProviderName with a space", [](json& s) { s["DeveloperProviderName"] = "login example"; },
         "DeveloperProviderName: must be 1 to 128"},
        {"DeveloperProviderName with a slash", [](json& s) { s["DeveloperProviderName"] = "login/app"; },
         "DeveloperProviderName: must be 1 to 128"},
        {"DeveloperProviderName of 129 characters", [&](json& s) { s["DeveloperProviderName"] = long_name; },
         "DeveloperProviderName: must be 1 to 128"},
        {"DeveloperProviderName reserved",
         [](json& s) { s["DeveloperProviderName"] = "cognito-identity.amazonaws.com"; },
         "DeveloperProviderName: cognito-identity.amazonaws.com is reserved"},
        {"DeveloperProviderName is a provider's Name",
         [](json& s) { s["DeveloperProviderName"] = "accounts.example.com"; },
         "DeveloperProviderName: is also the Name of OpenIdConnectProviders[0]"},
        {"OpenIdConnectProviders not a list", [](json& s) { s["OpenIdConnectProviders"] = json::object(); },
         "OpenIdConnectProviders: must be a list of providers"},
        {"51 providers",
         [&](json& s) {
             s["OpenIdConnectProviders"] = json::array();
             for (int i = 0; i < 51; ++i) {
                 json one = provider;
                 one["Name"] = test::numbered("p", i);
                 s["OpenIdConnectProviders"].push_back(one);
             }
         },
         "OpenIdConnectProviders: at most 50 providers per pool"},
        {"a provider not an object", [](json& s) { s["OpenIdConnectProviders"][1] = "x"; },
         "OpenIdConnectProviders[1]: must be an object"},
        {"unknown provider member", [](json& s) { s["OpenIdConnectProviders"][1]["Audience"] = "x"; },
         "OpenIdConnectProviders[1].Audience: not a member of an OpenID Connect provider"},
        {"Name missing", [](json& s) { s["OpenIdConnectProviders"][1].erase("Name"); },
         "OpenIdConnectProviders[1].Name: must be 1 to 128 characters without spaces"},
        {"Name not a string", [](json& s) { s["OpenIdConnectProviders"][1]["Name"] = json::array(); },
         "OpenIdConnectProviders[1].Name: must be a string"},
        {"Name with a space", [](json& s) { s["OpenIdConnectProviders"][1]["Name"] = "accounts example"; },
         "OpenIdConnectProviders[1].Name: must be 1 to 128"},
        {"Name of 129 characters", [&](json& s) { s["OpenIdConnectProviders"][1]["Name"] = long_name; },
         "OpenIdConnectProviders[1].Name: must be 1 to 128"},
        {"Name reserved",
         [](json& s) { s["OpenIdConnectProviders"][1]["Name"] = "cognito-identity.amazonaws.com"; },
         "OpenIdConnectProviders[1].Name: cognito-identity.amazonaws.com is reserved"},
        {"Name twice", [](json& s) { s["OpenIdConnectProviders"][1]["Name"] = "accounts.example.com"; },
         "OpenIdConnectProviders[1].Name: is already the Name of OpenIdConnectProviders[0]"},
        {"Issuer missing", [](json& s) { s["OpenIdConnectProviders"][1].erase("Issuer"); },
         "OpenIdConnectProviders[1].Issuer: must be an http(s) URL"},
        {"Issuer a host only",
         [](json& s) { s["OpenIdConnectProviders"][1]["Issuer"] = "accounts.example.com"; },
         "OpenIdConnectProviders[1].Issuer: must be an http(s) URL"},
        {"Issuer of another scheme", [](json& s) { s["OpenIdConnectProviders"][1]["Issuer"] = "ftp://idp"; },
         "OpenIdConnectProviders[1].Issuer: must be an http(s) URL"},
        {"Issuer with a query",
         [](json& s) { s["OpenIdConnectProviders"][1]["Issuer"] = "https://idp.example.com/?tenant=1"; },
         "OpenIdConnectProviders[1].Issuer: must be an http(s) URL without a query"},
        {"Audiences not a list", [](json& s) { s["OpenIdConnectProviders"][1]["Audiences"] = "client"; },
         "OpenIdConnectProviders[1].Audiences: must be a list of client ids"},
        {"Audiences empty", [](json& s) { s["OpenIdConnectProviders"][1]["Audiences"] = json::array(); },
         "OpenIdConnectProviders[1].Audiences: must be a list of 1 to 50 client ids"},
        {"51 audiences",
         [](json& s) {
             json audiences = json::array();
             for (int i = 0; i < 51; ++i)
                 audiences.push_back("client-" + std::to_string(i));
             s["OpenIdConnectProviders"][1]["Audiences"] = audiences;
         },
         "OpenIdConnectProviders[1].Audiences: must be a list of 1 to 50 client ids"},
        {"an audience not a string",
         [](json& s) {
             s["OpenIdConnectProviders"][1]["Audiences"] = {"a", 1};
         },
         "OpenIdConnectProviders[1].Audiences[1]: must be a string"},
        {"an audience empty", [](json& s) { s["OpenIdConnectProviders"][1]["Audiences"] = {""}; },
         "OpenIdConnectProviders[1].Audiences[0]: must be a client id of 1 to 255 characters"},
        {"JwksFile and JwksUrl",
         [](json& s) { s["OpenIdConnectProviders"][1]["JwksUrl"] = "https://idp.example.com/jwks"; },
         "OpenIdConnectProviders[1]: give exactly one of JwksFile and JwksUrl"},
        {"neither JwksFile nor JwksUrl", [](json& s) { s["OpenIdConnectProviders"][1].erase("JwksFile"); },
         "OpenIdConnectProviders[1]: give exactly one of JwksFile and JwksUrl"},
        {"JwksUrl of another scheme",
         [](json& s) { s["OpenIdConnectProviders"][0]["JwksUrl"] = "file:///etc/jwks.json"; },
         "OpenIdConnectProviders[0].JwksUrl: must be an http(s) URL"},
        {"JwksUrl with user info",
         [](json& s) { s["OpenIdConnectProviders"][0]["JwksUrl"] = "https://user@idp.example.com/jwks"; },
         "OpenIdConnectProviders[0].JwksUrl: must be an http(s) URL"},
        {"JwksUrl with a space",
         [](json& s) { s["OpenIdConnectProviders"][0]["JwksUrl"] = "https://idp.example.com/my jwks"; },
         "OpenIdConnectProviders[0].JwksUrl: must be an http(s) URL"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        json settings = valid_settings();
        c.change(settings);
        CHECK_THAT(refusal(settings), Catch::StartsWith(c.message_start));
    }
}

TEST_CASE("Identity pool settings: limits pass at their bound", "[server][providers]") {
    json settings = valid_settings();
    settings["DeveloperProviderName"] = std::string(128, 'd');
    settings["OpenIdConnectProviders"][1]["Name"] = std::string(128, 'n');
    json audiences = json::array();
    for (int i = 0; i < 50; ++i)
        audiences.push_back("client-" + std::to_string(i));
    settings["OpenIdConnectProviders"][1]["Audiences"] = audiences;
    settings["OpenIdConnectProviders"][0]["Issuer"] = "http://127.0.0.1:8443/realms/app";
    auto parsed = server::identity_pool_settings_from_json(settings);
    REQUIRE(parsed.ok());
    CHECK(parsed->open_id_connect_providers[1].audiences.size() == 50);
}

TEST_CASE("Identity pools file: errors name the file, the pool and the member", "[server][providers]") {
    const auto message_of = [](std::string_view document) {
        auto pools = server::parse_identity_pools(document, "identity-pools.json");
        REQUIRE_FALSE(pools.ok());
        CHECK(pools.status().code() == Errc::invalid_argument);
        return pools.status().message();
    };
    json document = {{kPool, valid_settings()}, {kOtherPool, valid_settings()}};
    document[kOtherPool]["OpenIdConnectProviders"][1]["Issuer"] = "not a url";
    CHECK_THAT(message_of(document.dump()),
               Catch::StartsWith(std::string("identity-pools.json: pool ") + kOtherPool +
                                 ": OpenIdConnectProviders[1].Issuer: must be an http(s) URL"));

    CHECK_THAT(message_of(R"({"not-a-pool": {}})"),
               Catch::StartsWith("identity-pools.json: pool not-a-pool: not an identity pool id"));
    CHECK_THAT(message_of(R"([])"), Catch::StartsWith("identity-pools.json: must be a JSON object"));
    CHECK_THAT(message_of(R"({"us-east-1:00000000-0000-0000-0000-000000000000": )"),
               Catch::StartsWith("identity-pools.json: "));
    CHECK_THAT(message_of(std::string(40, '[') + std::string(40, ']')),
               Catch::StartsWith("identity-pools.json: "));
    CHECK_THAT(message_of(std::string(server::kMaxIdentityPoolsFileBytes + 1, ' ')),
               Catch::StartsWith("identity-pools.json: larger than"));

    auto pools = server::parse_identity_pools(
        json{{kPool, valid_settings()}, {kOtherPool, json::object()}}.dump(), "identity-pools.json");
    REQUIRE(pools.ok());
    REQUIRE(pools->size() == 2);
    CHECK_FALSE(pools->at(kPool).allow_unauthenticated_identities);
    CHECK(pools->at(kOtherPool) == IdentityPoolSettings{});
}

TEST_CASE("Identity pools file: read from disk, a relative JwksFile is taken from the file's folder",
          "[server][providers]") {
    test::TempDir dir;
    json document = {{kPool, valid_settings()}};
    document[kPool]["OpenIdConnectProviders"][1]["JwksFile"] = "keys/jwks.json";
    document[kPool]["OpenIdConnectProviders"].push_back(json{{"Name", "third"},
                                                             {"Issuer", "https://third.example.com"},
                                                             {"Audiences", json::array({"c"})},
                                                             {"JwksFile", "/abs.json"}});
    std::ofstream(dir.file("pools.json")) << document.dump(2);

    auto pools = server::read_identity_pools_file(dir.file("pools.json"));
    REQUIRE(pools.ok());
    const auto& providers = pools->at(kPool).open_id_connect_providers;
    CHECK(providers[1].jwks_file == (dir.path() / "keys" / "jwks.json").string());
    CHECK(providers[2].jwks_file == "/abs.json");
    CHECK(providers[0].jwks_url == "https://accounts.example.com/.well-known/jwks.json");

    auto missing = server::read_identity_pools_file(dir.file("missing.json"));
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.status().message(), Catch::Contains("missing.json"));
}

TEST_CASE("Pool settings: the --login-provider shorthand NAME,ISSUER,AUDIENCE[+AUDIENCE...],JWKS",
          "[server][providers]") {
    SECTION("a URL, which may contain commas") {
        auto provider = server::parse_login_provider_option(
            "accounts.example.com,https://accounts.example.com,client-a+client-b,"
            "https://accounts.example.com/jwks?use=sig,enc");
        REQUIRE(provider.ok());
        CHECK(provider->name == "accounts.example.com");
        CHECK(provider->issuer == "https://accounts.example.com");
        CHECK(provider->audiences == std::vector<std::string>{"client-a", "client-b"});
        CHECK(provider->jwks_url == "https://accounts.example.com/jwks?use=sig,enc");
        CHECK(provider->jwks_file.empty());
    }
    SECTION("a file") {
        auto provider = server::parse_login_provider_option("idp,http://127.0.0.1:9000,app,./keys/jwks.json");
        REQUIRE(provider.ok());
        CHECK(provider->audiences == std::vector<std::string>{"app"});
        CHECK(provider->jwks_file == "./keys/jwks.json");
        CHECK(provider->jwks_url.empty());
    }
    SECTION("too few fields, or no JWKS") {
        CHECK_FALSE(server::parse_login_provider_option("idp,https://idp,app").ok());
        CHECK_FALSE(server::parse_login_provider_option("idp").ok());
        CHECK_FALSE(server::parse_login_provider_option("idp,https://idp,app,").ok());
    }
}

TEST_CASE("Command-line settings of the default pool: validated, errors name the option",
          "[server][providers]") {
    const std::string good = "accounts.example.com,https://accounts.example.com,app,/keys.json";
    auto settings = server::settings_from_command_line({good}, false, "login.example.app");
    REQUIRE(settings.ok());
    CHECK_FALSE(settings->allow_unauthenticated_identities);
    CHECK(settings->developer_provider_name == "login.example.app");
    REQUIRE(settings->open_id_connect_providers.size() == 1);

    auto defaults = server::settings_from_command_line({}, true, "");
    REQUIRE(defaults.ok());
    CHECK(*defaults == IdentityPoolSettings{});

    const std::string bad_issuer = "idp,not-a-url,app,/keys.json";
    auto refused = server::settings_from_command_line({good, bad_issuer}, true, "");
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(),
               Catch::StartsWith("--login-provider " + bad_issuer + ": Issuer: must be an http(s) URL"));

    refused = server::settings_from_command_line({"idp,https://idp"}, true, "");
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(), Catch::StartsWith("--login-provider idp,https://idp: expected"));

    refused = server::settings_from_command_line({good}, true, "login app");
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(), Catch::StartsWith("--developer-provider: must be 1 to 128"));
}
