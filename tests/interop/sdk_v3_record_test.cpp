// Interop with the real, unmodified AWS JavaScript SDK v3: our client (LocalStore, synchronize,
// CognitoRemoteStore over BeastHttpClient, credentials from GetId + GetCredentialsForIdentity) and the SDK
// (record_io.mjs, credentials from its own fromCognitoIdentity) act for one identity against a
// synclatch-server process with SigV4 on, and each reads what the other wrote, removals included.
#include <catch2/catch.hpp>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/cognito_remote_store.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/synchronizer.hpp"

using namespace synclatch;
using synclatch::test::kTestPool;
using synclatch::test::run_process;
using synclatch::test::ServerProcess;
using synclatch::test::TempDir;
using json = nlohmann::json;

namespace {

// A value with two-, three- and four-byte UTF-8 sequences, quotes and a newline.
const std::string kNonAscii = "Grüße, \"naïve\" café — 東京 ✓ 🎉\nline two";

// A synclatch-server process with SigV4 on (no admin key: both sides use temporary credentials), our
// client acting for a new identity, and the SDK acting for the same identity.
struct InteropWorld {
    InteropWorld() {
        auto opened = platform::BeastHttpClient::open(sync::parse_endpoint(endpoint).value());
        if (!opened.ok()) throw std::runtime_error(opened.status().to_string());
        http = std::move(opened).value();
        sync::CognitoIdentityOptions identity_options;
        identity_options.endpoint = sync::parse_endpoint(endpoint).value();
        identity_options.identity_pool_id = kTestPool;
        credentials = std::make_unique<sync::CognitoIdentityCredentials>(*http, identity_options);
        identity = credentials->identity_id().value();  // GetId

        core::StoreOptions store_options;
        store_options.path = dir.file("device.db");
        auto opened_store = core::LocalStore::open(store_options);
        if (!opened_store.ok()) throw std::runtime_error(opened_store.status().to_string());
        store = std::move(opened_store).value();
        if (Status s = store->set_identity_id(identity); !s.ok()) throw std::runtime_error(s.to_string());
        sync::CognitoRemoteOptions remote_options;
        remote_options.endpoint = sync::parse_endpoint(endpoint).value();
        remote_options.identity_pool_id = kTestPool;
        remote = std::make_unique<sync::CognitoRemoteStore>(*http, *credentials, remote_options);
    }

    core::Dataset dataset() { return store->open_or_create_dataset("profile").value(); }

    sync::SyncResult sync() {
        sync::SyncOptions options;
        options.device_id = "our-device";
        auto result = sync::synchronize(dataset(), *remote, options);
        INFO("our sync: " << result.status().to_string());
        REQUIRE(result.ok());
        return *result;
    }

    // record_io.mjs run by node with the SDK: "read", or "write VALUE", or "remove" of one key.
    json sdk(const std::string& key, std::vector<std::string> command) {
        std::vector<std::string> args = {SYNCLATCH_NODE_EXECUTABLE,
                                         SYNCLATCH_INTEROP_DIR "/record_io.mjs",
                                         endpoint,
                                         identity,
                                         "profile",
                                         key};
        args.insert(args.end(), command.begin(), command.end());
        auto run = run_process(std::move(args), std::chrono::seconds(60));
        INFO("node record_io.mjs " << key << " " << command.front() << ": exit " << run.exit_code
                                   << "\nstdout: " << run.out << "\nstderr: " << run.err);
        REQUIRE(run.exit_code == 0);
        auto parsed = json::parse(run.out, nullptr, false);
        REQUIRE_FALSE(parsed.is_discarded());
        return parsed;
    }

    TempDir dir;
    ServerProcess server{dir.file("server"), {"--auth", "sigv4"}};
    std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    std::unique_ptr<platform::BeastHttpClient> http;
    std::unique_ptr<sync::CognitoIdentityCredentials> credentials;
    std::string identity;
    std::unique_ptr<core::LocalStore> store;
    std::unique_ptr<sync::CognitoRemoteStore> remote;
};

}  // namespace

TEST_CASE("Interop: a record written by the AWS JS v3 SDK is read by our client", "[interop][integration]") {
    InteropWorld world;
    REQUIRE(world.credentials->credentials().value().access_key_id.starts_with("ASIA"));  // not an admin key

    auto written = world.sdk("greeting", {"write", kNonAscii});
    CHECK(written.at("value") == kNonAscii);
    CHECK(written.at("syncCount") == 1);
    CHECK(world.sdk("doomed", {"write", "soon gone"}).at("syncCount") == 2);  // the dataset's count

    auto first = world.sync();
    CHECK(first.pulled == 2);
    CHECK(first.pushed == 0);
    CHECK(world.dataset().get("greeting").value() == kNonAscii);
    CHECK(world.dataset().get("doomed").value() == "soon gone");
    auto greeting = world.dataset().get_record("greeting").value();
    REQUIRE(greeting.has_value());
    CHECK(greeting->last_modified_by == world.identity);  // the SDK wrote as our identity
    CHECK(greeting->sync_count == 1);
    CHECK_FALSE(greeting->modified);

    // The SDK's Op "remove" arrives as a removal: the key is gone, stored as a clean tombstone.
    auto removed = world.sdk("doomed", {"remove"});
    CHECK(removed.at("value").is_null());
    CHECK(removed.at("syncCount") == 3);
    auto second = world.sync();
    CHECK(second.pulled == 1);
    CHECK(world.dataset().get("doomed").value() == std::nullopt);
    auto tombstone = world.dataset().get_record("doomed").value();
    REQUIRE(tombstone.has_value());
    CHECK(tombstone->is_deleted());
    CHECK(tombstone->sync_count == 3);
    CHECK_FALSE(tombstone->modified);
    CHECK(world.dataset().get_all().value() == std::map<std::string, std::string>{{"greeting", kNonAscii}});
}

TEST_CASE("Interop: a record written by our client is read by the AWS JS v3 SDK", "[interop][integration]") {
    InteropWorld world;
    REQUIRE(world.credentials->credentials().value().access_key_id.starts_with("ASIA"));

    REQUIRE(world.dataset().put_all({{"greeting", kNonAscii}, {"doomed", "soon gone"}}).ok());
    CHECK(world.sync().pushed == 2);

    auto greeting = world.sdk("greeting", {"read"});
    CHECK(greeting.at("found") == true);
    CHECK(greeting.at("value") == kNonAscii);
    CHECK(greeting.at("syncCount") == 1);
    CHECK(greeting.at("lastModifiedBy") == world.identity);
    CHECK(world.sdk("doomed", {"read"}).at("value") == "soon gone");

    // Our removal is pushed as Op "remove": the SDK sees the record without a value, at a new SyncCount.
    REQUIRE(world.dataset().remove("doomed").ok());
    CHECK(world.sync().pushed == 1);
    auto doomed = world.sdk("doomed", {"read"});
    CHECK(doomed.at("found") == true);
    CHECK(doomed.at("value").is_null());
    CHECK(doomed.at("syncCount") == 2);
    CHECK(doomed.at("lastModifiedBy") == world.identity);
    CHECK(world.sdk("greeting", {"read"}).at("value") == kNonAscii);
}
