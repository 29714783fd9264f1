// synclatch::Client with signed-in users, against the real server trusting one OpenID Connect provider
// (its JWKS in a file): two devices of one user share the data; a guest with data signing in as a user
// with data is merged, locally too; sign-out never loses unsynced changes unless asked to; the app's
// logins callback is asked again whenever credentials are renewed; a refused token changes nothing.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_login_provider.hpp"
#include "synclatch/platform/developer_identities.hpp"
#include "synclatch/synclatch.hpp"

using namespace synclatch;
using synclatch::test::ServerProcess;
using synclatch::test::TempDir;
using synclatch::test::TestSigningKey;

namespace {

constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
using synclatch::test::TestLoginProvider;
constexpr const char* kProvider = TestLoginProvider::kName;
// The app's backend: its developer key (the server's --admin-key) and developer provider name.
constexpr const char* kAdminKeyId = "AKIDCLIENTSIGNIN";
constexpr const char* kAdminSecret = "client-sign-in-backend-secret-000000000";
constexpr const char* kDeveloperProvider = "login.client.test";

struct SignInWorld {
    TempDir dir;
    TestLoginProvider provider{dir.file("jwks.json"), "client-sign-in-test"};
    // Credentials live 2 s: every sync renews them, and with them asks the app for its logins again.
    ServerProcess server{dir.file("server"), [this] {
                             std::vector<std::string> args = {"--auth",
                                                              "sigv4",
                                                              "--credential-lifetime-seconds",
                                                              "2",
                                                              "--new-credentials-per-hour-per-identity",
                                                              "0",
                                                              "--admin-key",
                                                              std::string(kAdminKeyId) + ":" + kAdminSecret,
                                                              "--developer-provider",
                                                              kDeveloperProvider};
                             for (auto& arg : provider.server_args())
                                 args.push_back(arg);
                             return args;
                         }()};
    std::atomic<int> tokens_given{0};

    // The app's side of a sign-in: a fresh token of `user` each time it is asked.
    sync::LoginsSource user(const std::string& subject) {
        return [this, subject]() -> Result<sync::Logins> {
            ++tokens_given;
            return sync::Logins{{kProvider, provider.token(subject)}};
        };
    }

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server.port()); }

    std::unique_ptr<Client> device(const std::string& name, sync::LoginsSource logins = {},
                                   std::function<void(const std::string&, const std::string&)> changed = {}) {
        ClientOptions options;
        options.endpoint = endpoint();
        options.identity_pool_id = kPool;
        options.data_dir = dir.file(name);
        std::filesystem::create_directories(options.data_dir);
        options.durability = core::Durability::normal;
        options.connectivity = std::make_shared<platform::ManualConnectivity>(true);
        options.logins = std::move(logins);
        options.on_identity_changed = std::move(changed);
        return Client::open(options).value();
    }
};

std::optional<std::string> value_of(Client& client, const std::string& dataset, const std::string& key) {
    return client.open_or_create_dataset(dataset).value().get(key).value();
}

void put(Client& client, const std::string& dataset, const std::string& key, const std::string& value) {
    REQUIRE(client.open_or_create_dataset(dataset).value().put(key, value).ok());
}

}  // namespace

TEST_CASE_METHOD(SignInWorld, "Client sign-in: two devices of one user share the data, tokens asked for anew",
                 "[client][identity]") {
    auto phone = device("phone", user("alice"));
    put(*phone, "notes", "first", "from the phone");
    REQUIRE(phone->synchronize("notes").ok());
    CHECK(phone->signed_in());

    auto laptop = device("laptop");  // a guest until it signs in
    const std::string guest = laptop->identity_id().value();
    CHECK_FALSE(laptop->signed_in());
    REQUIRE(laptop->sign_in(user("alice")).ok());
    CHECK(laptop->identity_id().value() == phone->identity_id().value());
    CHECK(laptop->identity_id().value() != guest);
    REQUIRE(laptop->synchronize("notes").ok());
    CHECK(value_of(*laptop, "notes", "first") == "from the phone");

    // Each renewal of the credentials (every sync here) asked the app for a fresh token.
    const int before = tokens_given;
    REQUIRE(phone->synchronize("notes").ok());
    REQUIRE(phone->synchronize("notes").ok());
    CHECK(tokens_given >= before + 2);
}

TEST_CASE_METHOD(SignInWorld, "Client sign-in: a guest's data is merged into the user's, locally too",
                 "[client][identity]") {
    auto phone = device("phone", user("bob"));
    put(*phone, "game", "level", "7");
    REQUIRE(phone->synchronize("game").ok());
    const std::string bob = phone->identity_id().value();

    std::vector<std::pair<std::string, std::string>> changes;
    auto tablet = device("tablet", {}, [&](const std::string& before, const std::string& after) {
        changes.emplace_back(before, after);
    });
    put(*tablet, "game", "level", "3");
    put(*tablet, "game", "coins", "40");
    REQUIRE(tablet->synchronize("game").ok());
    const std::string guest = tablet->identity_id().value();

    REQUIRE(tablet->sign_in(user("bob")).ok());
    CHECK(tablet->identity_id().value() == bob);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0] == std::pair{guest, bob});
    // The guest's dataset, kept whole under its merged name, and synced with the server's copy of it.
    const std::string merged = "game." + guest;
    CHECK(value_of(*tablet, merged, "level") == "3");
    CHECK(value_of(*tablet, merged, "coins") == "40");
    REQUIRE(tablet->synchronize(merged).ok());
    REQUIRE(tablet->synchronize("game").ok());
    REQUIRE(phone->synchronize("game").ok());
    CHECK(value_of(*tablet, "game", "coins") == value_of(*phone, "game", "coins"));
    REQUIRE(phone->synchronize(merged).ok());
    CHECK(value_of(*phone, merged, "level") == "3");
}

TEST_CASE_METHOD(SignInWorld,
                 "Client sign-in: the app's backend signs a guest in as its user, who keeps the guest's data",
                 "[client][identity]") {
    auto backend = platform::DeveloperIdentities::open(sync::parse_endpoint(endpoint()).value(),
                                                       {kAdminKeyId, kAdminSecret, ""})
                       .value();
    // The device's side: each time the client asks, a fresh token from the backend (which signed the user
    // in by its own means); the first one links the device's identity so far.
    auto signed_in_as = [&](Client& device, const std::string& user) {
        return device.sign_in([&backend, user, link = device.identity_id().value(),
                               first = true]() mutable -> Result<sync::Logins> {
            auto token = backend->token_for(kPool, kDeveloperProvider, user,
                                            first ? std::optional<std::string>(link) : std::nullopt);
            first = false;
            if (!token.ok()) return token.status();
            return platform::DeveloperIdentities::device_logins(*token);
        });
    };

    auto phone = device("phone");
    put(*phone, "game", "level", "9");
    REQUIRE(signed_in_as(*phone, "dana").ok());
    REQUIRE(phone->synchronize("game").ok());
    const std::string dana = phone->identity_id().value();

    std::vector<std::pair<std::string, std::string>> changes;
    auto tablet = device("tablet", {}, [&](const std::string& before, const std::string& after) {
        changes.emplace_back(before, after);
    });
    put(*tablet, "game", "coins", "12");
    REQUIRE(tablet->synchronize("game").ok());
    const std::string guest = tablet->identity_id().value();
    REQUIRE(guest != dana);
    REQUIRE(signed_in_as(*tablet, "dana").ok());
    CHECK(tablet->signed_in());
    CHECK(tablet->identity_id().value() == dana);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0] == std::pair{guest, dana});
    const std::string merged = "game." + guest;
    CHECK(value_of(*tablet, merged, "coins") == "12");
    REQUIRE(tablet->synchronize("game").ok());
    CHECK(value_of(*tablet, "game", "level") == "9");
    // Credentials live 2 s: later syncs renew them with fresh tokens from the backend.
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    REQUIRE(tablet->synchronize(merged).ok());
    REQUIRE(phone->synchronize(merged).ok());
    CHECK(value_of(*phone, merged, "coins") == "12");
}

TEST_CASE_METHOD(SignInWorld, "Client sign-out: refused with unsynced changes, done after a sync",
                 "[client][identity]") {
    auto phone = device("phone", user("carol"));
    REQUIRE(phone->synchronize("notes").ok());
    const std::string carol = phone->identity_id().value();
    put(*phone, "notes", "draft", "not synced yet");

    const Status refused = phone->sign_out();
    CHECK(refused.code() == Errc::conflict);
    CHECK_THAT(refused.message(), Catch::Contains("notes"));
    CHECK(phone->signed_in());
    CHECK(value_of(*phone, "notes", "draft") == "not synced yet");

    REQUIRE(phone->sign_out(SignOutMode::sync_first).ok());
    CHECK_FALSE(phone->signed_in());
    CHECK(phone->list_datasets().value().empty());
    CHECK(phone->identity_id().value() != carol);  // a new guest

    auto laptop = device("laptop", user("carol"));
    REQUIRE(laptop->synchronize("notes").ok());
    CHECK(value_of(*laptop, "notes", "draft") == "not synced yet");

    put(*laptop, "notes", "scratch", "thrown away");
    REQUIRE(laptop->sign_out(SignOutMode::discard_unsynced).ok());
    CHECK(laptop->list_datasets().value().empty());
}

TEST_CASE_METHOD(SignInWorld, "Client sign-in: a token the server refuses changes nothing",
                 "[client][identity]") {
    auto phone = device("phone");
    put(*phone, "notes", "mine", "guest data");
    REQUIRE(phone->synchronize("notes").ok());
    const std::string guest = phone->identity_id().value();
    const auto stranger = TestSigningKey::rsa(TestLoginProvider::kKeyId);  // the provider's kid, another key
    const Status refused = phone->sign_in([&]() -> Result<sync::Logins> {
        return sync::Logins{{kProvider, provider.token("dave", &stranger)}};
    });
    CHECK(refused.code() == Errc::unauthorized);
    CHECK_FALSE(phone->signed_in());
    CHECK(phone->identity_id().value() == guest);
    REQUIRE(phone->synchronize("notes").ok());
    CHECK(value_of(*phone, "notes", "mine") == "guest data");
}
