// Pool administration against a real synclatch-server: a pool made by CreateIdentityPool with an OpenID
// Connect provider (its JWKS served over HTTP by the test) signs users in, and is the same pool, with the
// same provider and the same users, after a restart. The --auth none server lets anyone act as the
// developer.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/test_login_provider.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string error_of(const HttpResult& answer) {
    INFO(answer.body);
    return answer.error_type;
}

}  // namespace

TEST_CASE("Pool administration: a pool made through the API keeps its providers and users across a restart",
          "[integration][identity]") {
    TempDir dir;
    const std::string data = dir.file("data");
    TestLoginProvider provider(dir.file("jwks.json"), "pool-admin-test");
    TestHttpServer jwks;
    jwks.set_handler([document = read_file(dir.file("jwks.json"))](const TestHttpRequest&) {
        return TestHttpReply{200, {{"Content-Type", "application/json"}}, document};
    });
    const json open_id_provider = {{"Name", TestLoginProvider::kName},
                                   {"Issuer", TestLoginProvider::kIssuer},
                                   {"Audiences", {provider.client_id()}},
                                   {"JwksUrl", "http://127.0.0.1:" + std::to_string(jwks.port()) + "/jwks"}};
    const json definition = {{"IdentityPoolName", "members only"},
                             {"AllowUnauthenticatedIdentities", false},
                             {"OpenIdConnectProviders", {open_id_provider}}};

    std::string pool;
    std::string alice;
    {
        ServerProcess server(data, {"--auth", "none"});
        HttpClient client(server.port());
        // Keys are fetched from a URL only: a file on the server is for the operator's --identity-pools.
        json from_file = definition;
        from_file["OpenIdConnectProviders"][0].erase("JwksUrl");
        from_file["OpenIdConnectProviders"][0]["JwksFile"] = dir.file("jwks.json");
        CHECK(error_of(client.identity("CreateIdentityPool", from_file)) == "InvalidParameterException");

        auto made = client.identity("CreateIdentityPool", definition);
        REQUIRE(made.status == 200);
        pool = made.json().at("IdentityPoolId");
        CHECK(made.json().at("OpenIdConnectProviders") == json::array({open_id_provider}));

        auto signed_in =
            client.identity("GetId", {{"IdentityPoolId", pool}, {"Logins", provider.logins("alice")}});
        INFO(signed_in.body);
        REQUIRE(signed_in.status == 200);
        alice = signed_in.json().at("IdentityId");
        CHECK(error_of(client.identity("GetId", {{"IdentityPoolId", pool}})) == "NotAuthorizedException");
        // The default pool does not trust the new pool's provider.
        CHECK(error_of(client.identity(
                  "GetId", {{"IdentityPoolId", kTestPool}, {"Logins", provider.logins("alice")}})) ==
              "NotAuthorizedException");
        REQUIRE(server.terminate() != -1);
    }
    ServerProcess server(data, {"--auth", "none"});
    HttpClient client(server.port());
    auto again = client.identity("GetId", {{"IdentityPoolId", pool}, {"Logins", provider.logins("alice")}});
    INFO(again.body);
    REQUIRE(again.status == 200);
    CHECK(again.json().at("IdentityId") == alice);
    CHECK(error_of(client.identity("GetId", {{"IdentityPoolId", pool}})) == "NotAuthorizedException");
    auto described = client.identity("DescribeIdentityPool", {{"IdentityPoolId", pool}});
    REQUIRE(described.status == 200);
    CHECK(described.json().at("IdentityPoolName") == "members only");
    CHECK(described.json().at("OpenIdConnectProviders") == json::array({open_id_provider}));

    // Deleted, it stays deleted across a restart too.
    REQUIRE(client.identity("DeleteIdentityPool", {{"IdentityPoolId", pool}}).status == 200);
    REQUIRE(server.terminate() != -1);
    ServerProcess restarted(data, {"--auth", "none"});
    HttpClient after(restarted.port());
    CHECK(error_of(after.identity("DescribeIdentityPool", {{"IdentityPoolId", pool}})) ==
          "ResourceNotFoundException");
    CHECK(error_of(after.identity("GetId", {{"IdentityPoolId", pool}})) == "ResourceNotFoundException");
    CHECK(
        error_of(after.identity("GetId", {{"IdentityPoolId", pool}, {"Logins", provider.logins("alice")}})) ==
        "NotAuthorizedException");
}
