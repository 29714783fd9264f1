// synclatch::Client while a sync is stuck on the network: the calls that only ask (identity_id,
// known_identity_id, signed_in) or register for push (register_device) answer without waiting for it.
// The server is a stand-in (TestHttpServer) whose ListRecords waits at a gate that the test opens only
// after the client has answered, so what the test shows does not depend on how fast anything runs.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>

#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "synclatch/synclatch.hpp"

using namespace synclatch;
using synclatch::test::TempDir;
using synclatch::test::TestHttpReply;
using synclatch::test::TestHttpRequest;
using synclatch::test::TestHttpServer;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr const char* kIdentity = "us-east-1:11111111-1111-4111-8111-111111111111";
constexpr const char* kDevice = "device-of-the-test";
// How long a client that queues a question behind the sync may hang the test before it fails: a bound on
// a broken client, not a measure of speed (a working one answers while the gate is closed, however slow
// the machine).
constexpr auto kHangGuard = 60s;

// A stand-in for the Cognito Identity and Sync APIs: what one client's sync and push registration ask,
// each request answered on a thread of its own. ListRecords waits at a gate until the test opens it.
class StuckServer {
  public:
    StuckServer() {
        server_.set_handler([this](const TestHttpRequest& request) { return answer(request); });
    }
    ~StuckServer() { open_gate(); }  // no handler may still wait when the server is destroyed

    ClientOptions options(const TempDir& dir) const {
        ClientOptions options;
        options.endpoint = "http://127.0.0.1:" + std::to_string(server_.port());
        options.identity_pool_id = kPool;
        options.data_dir = dir.file("device");
        std::filesystem::create_directories(options.data_dir);
        options.durability = core::Durability::normal;
        options.connectivity = std::make_shared<platform::ManualConnectivity>(true);
        // Longer than any test may take: the sync's ListRecords must still be waiting, not timed out,
        // when the test asks the client its questions.
        options.request_deadline = 10min;
        return options;
    }

    // Ready once a ListRecords request waits at the gate.
    std::shared_future<void> list_records_waiting() const { return list_records_waiting_; }

    void open_gate() {
        std::lock_guard lock(mutex_);
        gate_open_ = true;
        gate_.notify_all();
    }

    bool gate_open() const {
        std::lock_guard lock(mutex_);
        return gate_open_;
    }

    int get_id_calls() const {
        std::lock_guard lock(mutex_);
        return get_id_calls_;
    }

  private:
    TestHttpReply answer(const TestHttpRequest& request) {
        const std::string target = request.header("X-Amz-Target");
        if (target == "AWSCognitoIdentityService.GetId") {
            std::lock_guard lock(mutex_);
            ++get_id_calls_;
            return json(std::string(R"({"IdentityId":")") + kIdentity + R"("})");
        }
        if (target == "AWSCognitoIdentityService.GetCredentialsForIdentity") {
            return json(std::string(R"({"IdentityId":")") + kIdentity +
                        R"(","Credentials":{"AccessKeyId":"AKID","SecretKey":"secret",)"
                        R"("SessionToken":"token","Expiration":4102444800}})");
        }
        if (request.method == "GET" && request.target.find("/records") != std::string::npos) {
            std::unique_lock lock(mutex_);
            if (!told_waiting_) {
                told_waiting_ = true;
                told_.set_value();
            }
            gate_.wait(lock, [this] { return gate_open_; });
            return json(
                R"({"Records":[],"DatasetSyncCount":0,"DatasetExists":false,"SyncSessionToken":"s"})");
        }
        if (request.method == "POST" && request.target.ends_with("/device")) {
            return json(std::string(R"({"DeviceId":")") + kDevice + R"("})");
        }
        return TestHttpReply{400,
                             {{"Content-Type", "application/json"}},
                             R"({"__type":"InvalidParameterException","message":"not in this test"})"};
    }

    static TestHttpReply json(std::string body) {
        return TestHttpReply{200, {{"Content-Type", "application/json"}}, std::move(body)};
    }

    mutable std::mutex mutex_;
    std::condition_variable gate_;
    bool gate_open_ = false;     // guarded by mutex_
    bool told_waiting_ = false;  // guarded by mutex_
    int get_id_calls_ = 0;       // guarded by mutex_
    std::promise<void> told_;    // guarded by mutex_
    std::shared_future<void> list_records_waiting_ = told_.get_future().share();
    TestHttpServer server_{{.answer_concurrently = true}};  // last: destroyed first, once the gate is open
};

// Opens the gate when the test ends, however it ends: the sync gets its answer before it is joined.
struct OpenGateAtExit {
    StuckServer& server;
    ~OpenGateAtExit() { server.open_gate(); }
};

// Asks the client on a thread of its own while the sync waits at the gate, and returns the answer. A call
// that does not come back in kHangGuard fails the test (the gate is opened first, so that the stuck call
// can finish instead of hanging the test).
template <class Ask>
auto ask_while_sync_waits(StuckServer& server, const std::future<Result<sync::SyncResult>>& sync, Ask ask) {
    auto answer = std::async(std::launch::async, std::move(ask));
    const bool answered = answer.wait_for(kHangGuard) == std::future_status::ready;
    if (!answered) server.open_gate();
    REQUIRE(answered);
    // It answered while the sync was still waiting for the server, not after.
    CHECK_FALSE(server.gate_open());
    CHECK(sync.wait_for(0s) == std::future_status::timeout);
    return answer.get();
}

}  // namespace

TEST_CASE("Client: identity_id and register_device answer while a sync waits on the server",
          "[client][platform]") {
    StuckServer server;
    TempDir dir;
    auto client = Client::open(server.options(dir)).value();
    REQUIRE(client->open_or_create_dataset("things").ok());
    CHECK(client->known_identity_id() == std::nullopt);

    auto sync = std::async(std::launch::async, [&] { return client->synchronize("things"); });
    const OpenGateAtExit open_at_exit{server};
    // The sync obtained the identity (GetId) and now waits for its ListRecords answer, holding its turn.
    REQUIRE(server.list_records_waiting().wait_for(kHangGuard) == std::future_status::ready);

    auto identity = ask_while_sync_waits(server, sync, [&] { return client->identity_id(); });
    REQUIRE(identity.ok());
    CHECK(*identity == kIdentity);
    const auto known = ask_while_sync_waits(server, sync, [&] { return client->known_identity_id(); });
    CHECK(known == kIdentity);
    const bool signed_in = ask_while_sync_waits(server, sync, [&] { return client->signed_in(); });
    CHECK_FALSE(signed_in);

    // register_device needs the network itself, but not the sync's turn.
    auto device = ask_while_sync_waits(server, sync, [&] { return client->register_device("GCM", "token"); });
    INFO(device.status().to_string());
    REQUIRE(device.ok());
    CHECK(*device == kDevice);

    server.open_gate();
    REQUIRE(sync.wait_for(kHangGuard) == std::future_status::ready);
    auto synced = sync.get();
    INFO(synced.status().to_string());
    CHECK(synced.ok());
    // One identity: the questions were answered from the one the sync obtained, not by asking again.
    CHECK(server.get_id_calls() == 1);
    CHECK(client->identity_id().value() == kIdentity);
}
