// synclatch-server as a process, with SigV4 on: identities and credentials, the Cognito Sync operations,
// authorization, and a graceful stop.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>

#include "auth/json_web_keys.hpp"
#include "auth/login_token_verifier.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
namespace server = synclatch::server;
using json = nlohmann::json;

namespace {

struct SignedServer {
    TempDir dir;
    ServerProcess server{dir.file("data"), {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret"}};
    HttpClient client{server.port()};
};

std::string session_token(HttpClient& client, const std::string& identity, const std::string& dataset,
                          const synclatch::sync::sigv4::Credentials& creds) {
    auto listed = client.send("GET", dataset_path(identity, dataset) + "/records?lastSyncCount=0", "", creds);
    REQUIRE(listed.status == 200);
    return listed.json().at("SyncSessionToken").get<std::string>();
}

std::string patch_body(const std::string& token, const std::string& key, const std::string& value,
                       int sync_count) {
    return json{
        {"SyncSessionToken", token},
        {"DeviceId", "device-a"},
        {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", value}, {"SyncCount", sync_count}}}}}
        .dump();
}

}  // namespace

TEST_CASE_METHOD(SignedServer, "Server: identity, credentials, then signed ListRecords and UpdateRecords",
                 "[integration][server]") {
    CHECK(client.send("GET", "/healthz").status == 200);
    auto [identity, creds] = new_identity(client);
    CHECK(identity.starts_with("us-east-1:"));
    CHECK(creds.access_key_id.starts_with("ASIA"));

    auto empty = client.send(
        "GET", dataset_path(identity, "things") + "/records?lastSyncCount=0&maxResults=1024", "", creds);
    REQUIRE(empty.status == 200);
    auto page = empty.json();
    CHECK(page.at("Count") == 0);
    CHECK(page.at("DatasetExists") == false);
    CHECK(page.at("DatasetSyncCount") == 0);
    CHECK(page.at("Records").empty());

    const std::string token = page.at("SyncSessionToken");
    auto written =
        client.send("POST", dataset_path(identity, "things"), patch_body(token, "k", "v", 0), creds);
    REQUIRE(written.status == 200);
    CHECK(written.json().at("Records").at(0).at("SyncCount") == 1);

    auto again =
        client.send("GET", dataset_path(identity, "things") + "/records?lastSyncCount=0", "", creds).json();
    CHECK(again.at("DatasetExists") == true);
    CHECK(again.at("DatasetSyncCount") == 1);
    CHECK(again.at("Records").at(0).at("Value") == "v");

    auto described = client.send("GET", dataset_path(identity, "things"), "", creds).json();
    CHECK(described.at("Dataset").at("NumRecords") == 1);
    CHECK(described.at("Dataset").at("DataStorage") == 2);
    auto usage = client
                     .send("GET",
                           "/identitypools/" + encode_path_segment(kTestPool) + "/identities/" +
                               encode_path_segment(identity),
                           "", creds)
                     .json();
    CHECK(usage.at("IdentityUsage").at("DatasetCount") == 1);
}

TEST_CASE_METHOD(SignedServer,
                 "Server: GetOpenIdToken answers a JWT for a known identity, typed errors otherwise",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    auto answer = client.identity("GetOpenIdToken", {{"IdentityId", identity}});
    REQUIRE(answer.status == 200);
    CHECK(answer.json().at("IdentityId") == identity);
    const std::string token = answer.json().at("Token");
    CHECK(std::count(token.begin(), token.end(), '.') == 2);
    CHECK(token.starts_with("eyJ"));  // base64url of '{"'

    // Signed RS256 with a key the server publishes, under the issuer its discovery document names.
    const auto jwks = client.send("GET", "/.well-known/jwks.json");
    REQUIRE(jwks.status == 200);
    auto keys = server::JsonWebKeySet::parse(jwks.body);
    REQUIRE(keys.ok());
    const auto configuration = client.send("GET", "/.well-known/openid-configuration");
    REQUIRE(configuration.status == 200);
    const std::string issuer = configuration.json().at("issuer");
    CHECK(configuration.json().at("jwks_uri") == issuer + "/.well-known/jwks.json");
    server::LoginTokenVerifier verifier(
        server::LoginProvider{"cognito-identity.amazonaws.com", issuer, {kTestPool}},
        std::make_shared<const server::JsonWebKeySet>(std::move(keys).value()));
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto verified = verifier.verify(token, now);
    INFO(verified.status().to_string());
    REQUIRE(verified.ok());
    CHECK(verified->subject == identity);

    auto unknown =
        client.identity("GetOpenIdToken", {{"IdentityId", "us-east-1:00000000-0000-4000-8000-000000000099"}});
    CHECK(unknown.status == 400);
    CHECK(unknown.error_type == "ResourceNotFoundException");
    auto malformed = client.identity("GetOpenIdToken", {{"IdentityId", 42}});
    CHECK(malformed.status == 400);
    CHECK(malformed.error_type == "InvalidParameterException");
}

TEST_CASE_METHOD(SignedServer, "Server: a stale sync count is 409 ResourceConflictException",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    const auto token = session_token(client, identity, "things", creds);
    REQUIRE(client.send("POST", dataset_path(identity, "things"), patch_body(token, "k", "v1", 0), creds)
                .status == 200);
    auto stale =
        client.send("POST", dataset_path(identity, "things"), patch_body(token, "k", "v2", 0), creds);
    CHECK(stale.status == 409);
    CHECK(stale.error_type == "ResourceConflictException");
    CHECK(stale.json().at("__type") == "ResourceConflictException");
}

TEST_CASE_METHOD(SignedServer, "Server: a bad or foreign session token is InvalidParameterException",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    auto bogus =
        client.send("POST", dataset_path(identity, "things"), patch_body("123.abc", "k", "v", 0), creds);
    CHECK(bogus.status == 400);
    CHECK(bogus.error_type == "InvalidParameterException");
    // A real token, but for another dataset.
    const auto other = session_token(client, identity, "other", creds);
    auto foreign =
        client.send("POST", dataset_path(identity, "things"), patch_body(other, "k", "v", 0), creds);
    CHECK(foreign.error_type == "InvalidParameterException");
}

TEST_CASE_METHOD(SignedServer, "Server: an identity cannot touch another identity's data",
                 "[integration][server]") {
    auto [alice, alice_creds] = new_identity(client);
    auto [bob, bob_creds] = new_identity(client);
    auto peek = client.send("GET", dataset_path(alice, "things") + "/records", "", bob_creds);
    CHECK(peek.status == 403);
    CHECK(peek.error_type == "NotAuthorizedException");
    // The developer key may act on any identity.
    synclatch::sync::sigv4::Credentials admin{"ADMINKEY", "admin-secret", ""};
    CHECK(client.send("GET", dataset_path(alice, "things") + "/records", "", admin).status == 200);
    // Pool-level operations need the developer key.
    const auto pool_path = "/identitypools/" + encode_path_segment(kTestPool);
    CHECK(client.send("GET", pool_path, "", alice_creds).status == 403);
    CHECK(client.send("GET", pool_path, "", admin).status == 200);
}

TEST_CASE_METHOD(SignedServer, "Server: unsigned, wrongly signed and expired-key requests are refused",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    const auto path = dataset_path(identity, "things") + "/records";
    auto unsigned_request = client.send("GET", path);
    CHECK(unsigned_request.status == 403);
    CHECK(unsigned_request.error_type == "NotAuthorizedException");

    auto wrong_secret = creds;
    wrong_secret.secret_key = "not-the-secret";
    CHECK(client.send("GET", path, "", wrong_secret).error_type == "NotAuthorizedException");

    auto wrong_token = creds;
    wrong_token.session_token = "forged";
    CHECK(client.send("GET", path, "", wrong_token).error_type == "NotAuthorizedException");

    auto unknown_key = creds;
    unknown_key.access_key_id = "ASIAUNKNOWN0000000000";
    CHECK(client.send("GET", path, "", unknown_key).error_type == "NotAuthorizedException");

    // A signature covers the request it was made for: the same headers on another query are refused.
    CHECK(client.send("GET", path + "?lastSyncCount=0", "", creds).status == 200);
    auto tampered = client.send("GET", path + "?lastSyncCount=1", "", creds, {}, path + "?lastSyncCount=0");
    CHECK(tampered.status == 403);
    CHECK(tampered.error_type == "NotAuthorizedException");
    auto other_dataset =
        client.send("GET", dataset_path(identity, "other") + "/records", "", creds, {}, path);
    CHECK(other_dataset.error_type == "NotAuthorizedException");
}

// Found by sigv4_fuzzer: SigV4 signs a header with an empty value as "name:", and clients sign every
// header they send; the server took an empty signed header for a missing one.
TEST_CASE_METHOD(SignedServer, "Server: a header signed with an empty value is accepted",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    const auto path = dataset_path(identity, "things") + "/records";
    auto listed = client.send("GET", path, "", creds, {{"X-Empty", ""}});
    CHECK(listed.status == 200);
}

TEST_CASE_METHOD(SignedServer, "Server: DeleteDataset, then ListRecords reports the deletion",
                 "[integration][server]") {
    auto [identity, creds] = new_identity(client);
    const auto token = session_token(client, identity, "things", creds);
    REQUIRE(
        client.send("POST", dataset_path(identity, "things"), patch_body(token, "k", "v", 0), creds).status ==
        200);
    auto deleted = client.send("DELETE", dataset_path(identity, "things"), "", creds);
    REQUIRE(deleted.status == 200);
    CHECK(deleted.json().at("Dataset").at("DatasetName") == "things");
    auto after =
        client.send("GET", dataset_path(identity, "things") + "/records?lastSyncCount=1", "", creds).json();
    CHECK(after.at("DatasetExists") == false);
    CHECK(after.at("DatasetDeletedAfterRequestedSyncCount") == true);
    auto describe = client.send("GET", dataset_path(identity, "things"), "", creds);
    CHECK(describe.status == 404);
    CHECK(describe.error_type == "ResourceNotFoundException");
}

TEST_CASE("Server: SIGTERM stops it cleanly with exit code 0", "[integration][server]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none"});
    {
        HttpClient client(server.port());
        CHECK(client.send("GET", "/healthz").status == 200);
    }
    const int status = server.terminate();
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("Server: /metrics counts requests by operation and status, in Prometheus format",
          "[integration][server]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none"});
    HttpClient client(server.port());
    const auto id =
        client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId").get<std::string>();
    const auto token =
        client.send("GET", dataset_path(id, "things") + "/records").json().at("SyncSessionToken");
    REQUIRE(client.send("POST", dataset_path(id, "things"), patch_body(token, "k", "v", 0)).status == 200);
    REQUIRE(client.send("POST", dataset_path(id, "things"), patch_body(token, "k", "v", 0)).status == 409);
    client.identity("NoSuchOperation-" + std::string(40, 'x'), json::object());

    auto scraped = client.send("GET", "/metrics");
    REQUIRE(scraped.status == 200);
    const std::string& text = scraped.body;
    INFO(text);
    CHECK_THAT(text, Catch::Contains("synclatch_requests_total{operation=\"GetId\",status=\"200\"} 1"));
    CHECK_THAT(text, Catch::Contains("synclatch_requests_total{operation=\"ListRecords\",status=\"200\"} 1"));
    CHECK_THAT(text,
               Catch::Contains("synclatch_requests_total{operation=\"UpdateRecords\",status=\"200\"} 1"));
    CHECK_THAT(text,
               Catch::Contains("synclatch_requests_total{operation=\"UpdateRecords\",status=\"409\"} 1"));
    CHECK_THAT(text, Catch::Contains("synclatch_requests_total{operation=\"Unknown\",status=\"400\"} 1"));
    CHECK(text.find("NoSuchOperation") == std::string::npos);  // clients cannot mint labels
    CHECK_THAT(text, Catch::Contains("# TYPE synclatch_request_duration_seconds histogram"));
    CHECK_THAT(text, Catch::Contains("synclatch_request_duration_seconds_bucket{le=\"+Inf\"} 5"));
    CHECK_THAT(text, Catch::Contains("synclatch_request_duration_seconds_count 5"));
    CHECK_THAT(text, Catch::Contains("synclatch_open_connections 1"));
    CHECK_THAT(text, Catch::Contains("synclatch_records 1"));
    CHECK_THAT(text, Catch::Contains("synclatch_events_appended 1"));
}

TEST_CASE("Server: ListIdentityPoolUsage pages over every pool, for the developer only",
          "[integration][server]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret",
                                            "--pool", "eu-west-1:11111111-2222-4333-8444-555555555555"});
    HttpClient client(server.port());
    const synclatch::sync::sigv4::Credentials admin{"ADMINKEY", "admin-secret", ""};
    auto first = client.send("GET", "/identitypools?maxResults=1", "", admin);
    REQUIRE(first.status == 200);
    CHECK(first.json().at("Count") == 1);
    CHECK(first.json().at("IdentityPoolUsages").at(0).at("IdentityPoolId") ==
          "eu-west-1:11111111-2222-4333-8444-555555555555");
    REQUIRE(first.json().contains("NextToken"));
    auto second = client
                      .send("GET",
                            "/identitypools?maxResults=1&nextToken=" +
                                encode_path_segment(first.json().at("NextToken").get<std::string>()),
                            "", admin)
                      .json();
    CHECK(second.at("IdentityPoolUsages").at(0).at("IdentityPoolId") == kTestPool);
    CHECK_FALSE(second.contains("NextToken"));
    auto [identity, creds] = new_identity(client);
    CHECK(client.send("GET", "/identitypools", "", creds).error_type == "NotAuthorizedException");
}

TEST_CASE_METHOD(SignedServer,
                 "Server: identity pool configuration is kept per section, validated, developer only",
                 "[integration][server]") {
    const synclatch::sync::sigv4::Credentials admin{"ADMINKEY", "admin-secret", ""};
    const std::string path = "/identitypools/" + encode_path_segment(kTestPool) + "/configuration";
    auto fresh = client.send("GET", path, "", admin);
    REQUIRE(fresh.status == 200);
    CHECK(fresh.json() == json{{"IdentityPoolId", kTestPool}});

    const json streams = {{"StreamName", "changes"},
                          {"RoleArn", "arn:aws:iam::123456789012:role/streams"},
                          {"StreamingStatus", "ENABLED"}};
    auto set = client.send("POST", path, json{{"CognitoStreams", streams}}.dump(), admin);
    REQUIRE(set.status == 200);
    CHECK(set.json().at("CognitoStreams") == streams);
    const json push = {{"ApplicationArns", {"arn:aws:sns:us-east-1:123456789012:app/GCM/demo"}},
                       {"RoleArn", "arn:aws:iam::123456789012:role/push"}};
    REQUIRE(client.send("POST", path, json{{"PushSync", push}}.dump(), admin).status == 200);
    auto both = client.send("GET", path, "", admin).json();
    CHECK(both.at("CognitoStreams") == streams);  // a section left out stays
    CHECK(both.at("PushSync") == push);

    auto bad =
        client.send("POST", path, json{{"CognitoStreams", {{"StreamingStatus", "MAYBE"}}}}.dump(), admin);
    CHECK(bad.status == 400);
    CHECK(bad.error_type == "InvalidParameterException");
    auto short_role = client.send("POST", path, json{{"PushSync", {{"RoleArn", "arn:x"}}}}.dump(), admin);
    CHECK(short_role.error_type == "InvalidParameterException");
    CHECK(client.send("GET", path, "", admin).json() == both);  // refused calls changed nothing

    auto [identity, creds] = new_identity(client);
    CHECK(client.send("GET", path, "", creds).error_type == "NotAuthorizedException");
    CHECK(client.send("POST", path, "{}", creds).error_type == "NotAuthorizedException");
    auto unknown = client.send(
        "GET", "/identitypools/us-east-1%3A00000000-0000-4000-8000-0000000000ff/configuration", "", admin);
    CHECK(unknown.status == 404);
    CHECK(unknown.error_type == "ResourceNotFoundException");
}
