// DeleteIdentities against a real synclatch-server: an identity goes with everything it holds (records,
// datasets, logins, credentials, the identities merged into it), seen in the database file itself; other
// identities keep theirs; the deleted id is not found, and a write to it is refused.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/statement.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
namespace sqlite = synclatch::core::sqlite;

namespace {

constexpr const char* kDeveloperProvider = "login.delete.test";

// A developer user's identity (made when new) and an OpenID token for it; with --auth none anyone may
// call as the developer.
std::pair<std::string, std::string> user_identity(HttpClient& client, const std::string& user) {
    auto answer = client.identity("GetOpenIdTokenForDeveloperIdentity",
                                  {{"IdentityPoolId", kTestPool}, {"Logins", {{kDeveloperProvider, user}}}});
    REQUIRE(answer.status == 200);
    return {answer.json().at("IdentityId"), answer.json().at("Token")};
}

int put(HttpClient& client, const std::string& identity, const std::string& dataset, const std::string& key) {
    auto listed = client.send("GET", dataset_path(identity, dataset) + "/records");
    if (listed.status != 200) return listed.status;
    json body = {
        {"SyncSessionToken", listed.json().at("SyncSessionToken")},
        {"RecordPatches", {{{"Op", "replace"}, {"Key", key}, {"Value", identity}, {"SyncCount", 0}}}}};
    return client.send("POST", dataset_path(identity, dataset), body.dump()).status;
}

// Rows of `table` whose identity_id is `identity`, in the server's database file.
std::int64_t rows_of(sqlite::Database& db, const std::string& table, const std::string& identity) {
    // The table name is one of this file's literals, never input.
    sqlite::StatementScope count(db.cached("SELECT COUNT(*) FROM " + table + " WHERE identity_id = ?1"));
    count->bind(1, identity);
    REQUIRE(count->step());
    return count->column_int64(0);
}

}  // namespace

TEST_CASE("Server: DeleteIdentities deletes an identity with all it holds, and only that",
          "[integration][identity][sqlite]") {
    TempDir dir;
    const std::string data = dir.file("data");
    ServerProcess server(data, {"--auth", "none", "--developer-provider", kDeveloperProvider});
    HttpClient client(server.port());

    const auto [ann, ann_token] = user_identity(client, "ann");
    const auto [ben, ben_token] = user_identity(client, "ben");
    const auto [cid, cid_token] = user_identity(client, "cid");
    for (const auto& [identity, token] : {std::pair{ann, ann_token}, {ben, ben_token}, {cid, cid_token}}) {
        REQUIRE(put(client, identity, "notes", "a") == 200);
        REQUIRE(put(client, identity, "photos", "b") == 200);
        const json logins = {{"cognito-identity.amazonaws.com", token}};
        REQUIRE(client.identity("GetCredentialsForIdentity", {{"IdentityId", identity}, {"Logins", logins}})
                    .status == 200);
    }
    // ben is merged into ann: his datasets are ann's now, his row names her.
    REQUIRE(client
                .identity("MergeDeveloperIdentities", {{"IdentityPoolId", kTestPool},
                                                       {"DeveloperProviderName", kDeveloperProvider},
                                                       {"SourceUserIdentifier", "ben"},
                                                       {"DestinationUserIdentifier", "ann"}})
                .status == 200);

    // A bad list deletes nothing.
    auto refused = client.identity("DeleteIdentities", {{"IdentityIdsToDelete", json::array({ann, 42})}});
    CHECK(refused.status == 400);
    CHECK(refused.error_type == "InvalidParameterException");
    CHECK(client.identity("DeleteIdentities", {{"IdentityIdsToDelete", json::array()}}).status == 400);
    CHECK(client.identity("DescribeIdentity", {{"IdentityId", ann}}).status == 200);

    auto deleted = client.identity("DeleteIdentities", {{"IdentityIdsToDelete", {ann}}});
    REQUIRE(deleted.status == 200);
    CHECK(deleted.json() == json{{"UnprocessedIdentityIds", json::array()}});
    auto described = client.identity("DescribeIdentity", {{"IdentityId", ann}});
    CHECK(described.error_type == "ResourceNotFoundException");
    CHECK(client.send("GET", dataset_path(ann, "notes") + "/records").error_type ==
          "ResourceNotFoundException");
    CHECK(put(client, ann, "notes", "after") == 404);
    // cid is untouched; ann's user is new again.
    CHECK(put(client, cid, "notes", "c") == 200);
    CHECK(user_identity(client, "ann").first != ann);
    REQUIRE(server.terminate() != -1);

    sqlite::OpenOptions read_only;
    read_only.read_only = true;
    sqlite::Database db(data + "/synclatch-server.db", read_only);
    for (const auto& identity : {ann, ben}) {
        INFO(identity);
        for (const char* table : {"records", "datasets", "identity_logins", "credentials", "identities"})
            CHECK(rows_of(db, table, identity) == 0);
    }
    CHECK(rows_of(db, "records", cid) == 3);
    CHECK(rows_of(db, "datasets", cid) == 2);
    CHECK(rows_of(db, "identity_logins", cid) == 1);
    CHECK(rows_of(db, "credentials", cid) == 1);
    CHECK(rows_of(db, "identities", cid) == 1);
}
