// synclatch::Client against the real server process (SigV4 on): identities kept in the local store,
// blocking and asynchronous syncs, connectivity, background sync with backoff, push hints, wipe.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/synclatch.hpp"

using namespace synclatch;
using synclatch::test::ServerProcess;
using synclatch::test::TempDir;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

struct ClientWorld {
    TempDir dir;
    ServerProcess server{dir.file("server"),
                         {"--auth", "sigv4", "--admin-key", "ADMIN:admin-secret", "--max-records-per-dataset",
                          "10000", "--max-bytes-per-dataset", "10000000"}};
    std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());

    ClientOptions options(const std::string& name,
                          std::shared_ptr<platform::ConnectivityMonitor> connectivity = {}) {
        ClientOptions options;
        options.endpoint = endpoint;
        options.identity_pool_id = kPool;
        options.data_dir = dir.file(name);
        std::filesystem::create_directories(options.data_dir);
        options.durability = core::Durability::normal;
        options.connectivity =
            connectivity ? connectivity : std::make_shared<platform::ManualConnectivity>(true);
        return options;
    }

    // A second device of `identity`, acting with the developer credentials.
    std::unique_ptr<Client> device_of(const std::string& identity, const std::string& name) {
        auto opts = options(name);
        opts.developer = DeveloperCredentials{"ADMIN", "admin-secret", identity};
        return Client::open(opts).value();
    }
};

std::optional<std::string> value_of(Client& client, const std::string& dataset, const std::string& key) {
    return client.open_or_create_dataset(dataset).value().get(key).value();
}

// Syncs `client` until `key` has `value` there (another device's background sync is on its way).
bool eventually_holds(Client& client, const std::string& dataset, const std::string& key,
                      const std::string& value) {
    for (int i = 0; i < 200; ++i) {
        REQUIRE(client.synchronize(dataset).ok());
        if (value_of(client, dataset, key) == value) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// A push payload as the server sends it (PROTOCOL.md §3.6).
std::string hint_for(const std::string& identity, const std::string& dataset) {
    return std::string(R"({"source":"cognito-sync","identityPoolId":")") + kPool + R"(","identityId":")" +
           identity + R"(","datasetName":")" + dataset + R"(","syncCount":"1"})";
}

// A loopback port with nothing listening.
unsigned short closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE_METHOD(ClientWorld,
                 "Client: offline writes move to the identity obtained at the first sync, which is kept",
                 "[client]") {
    std::string identity;
    {
        auto client = Client::open(options("a")).value();
        REQUIRE(client->open_or_create_dataset("things").value().put("thing", "one").ok());  // offline, no
                                                                                             // identity
        CHECK(client->known_identity_id() == std::nullopt);
        auto synced = client->synchronize("things");
        INFO(synced.status().to_string());
        REQUIRE(synced.ok());
        CHECK(synced->pushed == 1);
        identity = client->identity_id().value();
        CHECK(identity.starts_with("us-east-1:"));
        CHECK(client->known_identity_id() == identity);
    }
    {  // reopened against an endpoint that cannot answer: the identity comes from the local store
        auto opts = options("a");
        opts.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
        auto client = Client::open(opts).value();
        CHECK(client->known_identity_id() == identity);
        CHECK(client->identity_id().value() == identity);
        CHECK(value_of(*client, "things", "thing") == "one");
    }
    auto other = device_of(identity, "b");
    REQUIRE(other->synchronize("things").ok());
    CHECK(value_of(*other, "things", "thing") == "one");
}

TEST_CASE_METHOD(ClientWorld, "Client: synchronize_async reports on the sync thread, not the caller's",
                 "[client]") {
    std::promise<std::pair<std::thread::id, sync::SyncResult>> reported;
    auto client = Client::open(options("a")).value();
    REQUIRE(client->open_or_create_dataset("things").value().put("k", "v").ok());
    SyncRequest request;
    request.on_success = [&](const sync::SyncResult& result) {
        reported.set_value({std::this_thread::get_id(), result});
    };
    request.on_failure = [&](const Status& status) { FAIL("sync failed: " << status.to_string()); };
    client->synchronize_async("things", std::move(request));
    auto future = reported.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    auto [thread, result] = future.get();
    CHECK(thread != std::this_thread::get_id());
    CHECK(result.pushed == 1);
}

TEST_CASE_METHOD(ClientWorld, "Client: synchronize_on_connectivity waits until the network is back",
                 "[client]") {
    std::promise<sync::SyncResult> reported;
    auto connectivity = std::make_shared<platform::ManualConnectivity>(false);
    auto client = Client::open(options("a", connectivity)).value();
    const std::string identity = client->identity_id().value();
    REQUIRE(client->open_or_create_dataset("things").value().put("k", "offline edit").ok());
    SyncRequest request;
    request.on_success = [&](const sync::SyncResult& result) { reported.set_value(result); };
    client->synchronize_on_connectivity("things", std::move(request));
    auto future = reported.get_future();
    CHECK(future.wait_for(200ms) == std::future_status::timeout);  // offline: not started
    CHECK(client->open_or_create_dataset("things").value().is_changed("k").value());

    connectivity->set_online(true);
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(future.get().pushed == 1);
    auto other = device_of(identity, "b");
    REQUIRE(other->synchronize("things").ok());
    CHECK(value_of(*other, "things", "k") == "offline edit");
}

TEST_CASE_METHOD(ClientWorld, "Client: background sync pushes local writes soon after they are made",
                 "[client]") {
    auto client = Client::open(options("a")).value();
    const std::string identity = client->identity_id().value();
    BackgroundSyncOptions background;
    background.interval = 0ms;
    background.after_local_change = 20ms;
    REQUIRE(client->start_background_sync("things", background).ok());
    auto other = device_of(identity, "b");
    REQUIRE(client->open_or_create_dataset("things").value().put("k", "first").ok());
    CHECK(eventually_holds(*other, "things", "k", "first"));
    REQUIRE(client->open_or_create_dataset("things").value().put("k", "second").ok());
    CHECK(eventually_holds(*other, "things", "k", "second"));
    client->stop_background_sync("things");
}

TEST_CASE_METHOD(ClientWorld, "Client: background sync retries a failing server with backoff", "[client]") {
    auto opts = options("a");
    opts.developer =
        DeveloperCredentials{"ADMIN", "admin-secret", "us-east-1:00000000-0000-4000-8000-000000000001"};
    opts.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
    std::mutex mutex;  // declared before the client: its sync thread uses them until it closes
    std::vector<Status> failures;
    std::promise<void> three;
    BackgroundSyncOptions background;
    background.interval = 0ms;
    background.min_backoff = 10ms;
    background.max_backoff = 40ms;
    background.request.on_failure = [&](const Status& status) {
        std::lock_guard lock(mutex);
        failures.push_back(status);
        if (failures.size() == 3) three.set_value();
    };
    auto client = Client::open(opts).value();
    REQUIRE(client->start_background_sync("things", background).ok());
    REQUIRE(three.get_future().wait_for(10s) == std::future_status::ready);
    client->stop_background_sync("things");
    std::lock_guard lock(mutex);
    for (const auto& status : failures) {
        CHECK(status.code() == Errc::unavailable);
        CHECK(status.retryable());
    }
}

TEST_CASE_METHOD(ClientWorld, "Client: a push hint syncs the dataset it names", "[client]") {
    std::promise<void> started;  // declared before the client, which reports to them
    std::promise<sync::SyncResult> pulled;
    std::atomic<int> syncs{0};
    auto client = Client::open(options("a")).value();
    const std::string identity = client->identity_id().value();
    BackgroundSyncOptions background;
    background.interval = 0ms;
    background.request.on_success = [&](const sync::SyncResult& result) {
        if (++syncs == 1) started.set_value();  // the sync made at start
        if (syncs == 2) pulled.set_value(result);
    };
    REQUIRE(client->start_background_sync("things", background).ok());
    // b writes only after that first sync, which would otherwise pull b's record itself on a slow machine.
    REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);

    auto other = device_of(identity, "b");
    REQUIRE(other->open_or_create_dataset("things").value().put("k", "from b").ok());
    REQUIRE(other->synchronize("things").ok());
    CHECK_FALSE(client->on_push_hint(R"({"identityId":"us-east-1:someone-else","datasetName":"things"})"));
    CHECK_FALSE(client->on_push_hint("not json"));
    CHECK_FALSE(client->on_push_hint(hint_for(identity, "not-synced")));
    CHECK(client->on_push_hint(hint_for(identity, "things")));
    auto future = pulled.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(future.get().pulled == 1);
    CHECK(value_of(*client, "things", "k") == "from b");
}

TEST_CASE_METHOD(ClientWorld, "Client: the server's push channel brings another device's write at once",
                 "[client][push]") {
    std::promise<void> arrived;  // declared before the client, which reports to it
    std::atomic<bool> once{false};
    auto client = Client::open(options("a")).value();
    const std::string identity = client->identity_id().value();
    BackgroundSyncOptions background;
    background.interval = 0ms;  // no polling: only the hint can bring the write
    background.request.on_success = [&](const sync::SyncResult& result) {
        if (result.pulled > 0 && !once.exchange(true)) arrived.set_value();
    };
    REQUIRE(client->start_background_sync("things", background).ok());
    REQUIRE(client->open_push_channel().ok());
    for (int i = 0; i < 200 && !client->push_channel_connected(); ++i)
        std::this_thread::sleep_for(10ms);
    REQUIRE(client->push_channel_connected());

    auto other = device_of(identity, "b");
    REQUIRE(other->open_or_create_dataset("things").value().put("k", "pushed").ok());
    REQUIRE(other->synchronize("things").ok());
    auto future = arrived.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    CHECK(value_of(*client, "things", "k") == "pushed");
}

TEST_CASE_METHOD(ClientWorld,
                 "Client: refresh_dataset_metadata brings the server's datasets into the local list",
                 "[client]") {
    auto client = Client::open(options("a")).value();
    const std::string identity = client->identity_id().value();
    auto other = device_of(identity, "b");
    REQUIRE(other->open_or_create_dataset("profile").value().put("name", "Ada").ok());
    REQUIRE(other->synchronize("profile").ok());

    auto listed = client->list_datasets().value();
    CHECK(listed.empty());
    auto remote = client->refresh_dataset_metadata();
    REQUIRE(remote.ok());
    REQUIRE(remote->size() == 1);
    CHECK(remote->front().dataset_name == "profile");
    listed = client->list_datasets().value();
    REQUIRE(listed.size() == 1);
    CHECK(listed.front().name == "profile");
    REQUIRE(client->synchronize("profile").ok());
    CHECK(value_of(*client, "profile", "name") == "Ada");
}

TEST_CASE_METHOD(ClientWorld, "Client: wipe deletes the local data and takes a new identity", "[client]") {
    auto client = Client::open(options("a")).value();
    REQUIRE(client->open_or_create_dataset("things").value().put("k", "v").ok());
    REQUIRE(client->synchronize("things").ok());
    const std::string before = client->identity_id().value();
    REQUIRE(client->wipe().ok());
    CHECK(client->list_datasets().value().empty());
    CHECK(client->known_identity_id() == std::nullopt);
    const std::string after = client->identity_id().value();
    CHECK(after != before);
    REQUIRE(client->synchronize("things").ok());
    CHECK(value_of(*client, "things", "k") == std::nullopt);  // the new identity has none of the old data
}

TEST_CASE_METHOD(ClientWorld, "Client: closing during a long sync stops it and loses nothing", "[client]") {
    std::string identity;
    std::promise<void> started;  // outlive the client: its sync thread uses them until it closes
    std::atomic<bool> once{false};
    {
        auto client = Client::open(options("a")).value();
        identity = client->identity_id().value();
        std::map<std::string, std::string> values;
        for (int i = 0; i < 3000; ++i)
            values["key-" + std::to_string(i)] = std::string(100, 'x');
        REQUIRE(client->open_or_create_dataset("things").value().put_all(values).ok());
        SyncRequest request;
        request.options.max_patches_per_request = 100;
        request.options.on_progress = [&](const sync::SyncProgress& progress) {
            if (progress.phase == sync::SyncProgress::Phase::pushing && !once.exchange(true)) {
                started.set_value();
                std::this_thread::sleep_for(100ms);  // the client closes meanwhile
            }
        };
        client->synchronize_async("things", std::move(request));
        REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);
    }  // closed mid-push
    auto reopened = Client::open(options("a")).value();
    const auto pending = reopened->open_or_create_dataset("things").value().modified_records().value().size();
    CHECK(pending > 0);     // the sync stopped early
    CHECK(pending < 3000);  // after some pushes
    auto finished = reopened->synchronize("things");
    REQUIRE(finished.ok());
    CHECK(finished->pushed == static_cast<std::int64_t>(pending));
    auto other = device_of(identity, "b");
    REQUIRE(other->synchronize("things").ok());
    CHECK(other->open_or_create_dataset("things").value().get_all().value().size() == 3000);
}

TEST_CASE_METHOD(ClientWorld, "Client: push registration, then dataset subscription", "[client]") {
    auto client = Client::open(options("a")).value();
    CHECK(client->subscribe("things").code() == Errc::invalid_argument);
    auto device = client->register_device("GCM", "token-of-a");
    INFO(device.status().to_string());
    REQUIRE(device.ok());
    CHECK_FALSE(device->empty());
    CHECK(client->subscribe("things").ok());
    CHECK(client->unsubscribe("things").ok());
    CHECK(client->register_device("PIGEON", "t").status().code() == Errc::invalid_argument);
}
