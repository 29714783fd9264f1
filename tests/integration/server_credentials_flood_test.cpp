// GetCredentialsForIdentity floods against a real synclatch-server. Anyone who knows an identity id may ask
// for its credentials, and each new set is a row kept for its lifetime: calls beyond the per-address and
// global limits are TooManyRequestsException (429, Retry-After) and store nothing, one identity gets at
// most its share of new sets (then its newest set again), and a concurrent UpdateRecords client keeps its
// pace because the sets are written in the group commit. Flooders bind distinct loopback source addresses
// (127.0.0.x), so each is a client address of its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "support/flood_clients.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

HttpResult get_credentials(HttpClient& client, const std::string& identity) {
    return client.identity("GetCredentialsForIdentity", {{"IdentityId", identity}});
}

std::string new_identity_id(HttpClient& client) {
    return client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
}

// The access key ids of the credentials answered, from any thread: each distinct one is a stored set.
class IssuedKeys {
  public:
    void add(const HttpResult& answer) {
        if (answer.status != 200) return;
        const auto body = answer.json();
        std::lock_guard lock(mutex_);
        keys_.insert(body.at("Credentials").at("AccessKeyId").get<std::string>());
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return keys_.size();
    }

  private:
    mutable std::mutex mutex_;
    std::set<std::string> keys_;
};

}  // namespace

TEST_CASE("GetCredentialsForIdentity flood: a client address beyond its limit gets TooManyRequestsException",
          "[integration][hostile]") {
    TempDir dir;
    // 20 calls at once per address, then one every 3 s; the global limit is out of the way.
    ServerProcess server(dir.file("data"), {"--auth", "none", "--credentials-per-minute-per-address", "20",
                                            "--credentials-per-second", "1000"});
    HttpClient client(server.port());
    const std::string identity = new_identity_id(client);

    HttpClient flooder(server.port(), "127.0.0.2");
    IssuedKeys keys;
    int answered = 0;
    int throttled = 0;
    const auto start = Clock::now();
    for (int i = 0; i < 40; ++i) {
        auto response = get_credentials(flooder, identity);
        REQUIRE(response.status != 0);
        keys.add(response);
        if (response.status == 200) {
            ++answered;
            continue;
        }
        ++throttled;
        check_too_many_requests(response, 3);
        CHECK_FALSE(response.json().contains("Credentials"));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(answered >= 20);
    CHECK(answered <= 20 + 1 + static_cast<int>(seconds / 3));
    CHECK(throttled == 40 - answered);
    CHECK(keys.size() == 6);  // the identity's share of new sets (the default); then its newest again

    // Another address has its own allowance.
    HttpClient other(server.port(), "127.0.0.3");
    auto response = get_credentials(other, identity);
    REQUIRE(response.status != 0);
    CHECK(response.status == 200);

    CHECK(
        metric(
            client,
            R"(synclatch_throttled_requests_total{operation="GetCredentialsForIdentity",limit="address"})") ==
        throttled);
    CHECK(metric(client, R"(synclatch_requests_total{operation="GetCredentialsForIdentity",status="429"})") ==
          throttled);
}

TEST_CASE(
    "GetCredentialsForIdentity flood: many addresses are held to the global limit and UpdateRecords "
    "keeps its pace",
    "[integration][hostile]") {
    constexpr int kGlobalPerSecond = 20;
    constexpr int kFlooders = 16;
    TempDir dir;
    ServerProcess server(dir.file("data"),
                         {"--auth", "none", "--credentials-per-minute-per-address", "100000",
                          "--credentials-per-second", std::to_string(kGlobalPerSecond)});
    HttpClient client(server.port());
    RecordWriter writer(client);
    const std::string identity = new_identity_id(client);

    // 16 flooders, each from its own address, all asking for the one identity's credentials.
    AnswerCounts answers;
    IssuedKeys keys;
    const auto writes = writes_under_flood(writer, server.port(), kFlooders, [&](HttpClient& flooder) {
        auto answer = get_credentials(flooder, identity);
        answers.count(answer);
        keys.add(answer);
    });

    const int answered = answers.ok;
    WARN("UpdateRecords p50: " << median(writes.unloaded_ms) << " ms unloaded, " << median(writes.loaded_ms)
                               << " ms under a GetCredentialsForIdentity flood (" << writes.loaded_ms.size()
                               << " writes); " << answered << " answered (" << keys.size()
                               << " sets stored), " << answers.throttled << " throttled, " << answers.other
                               << " other in " << writes.flood_seconds << " s");
    CHECK(writes.failed_writes == 0);
    CHECK(answers.other == 0);
    CHECK(answers.throttled > 0);
    // The global bucket: a second's worth at once, then kGlobalPerSecond per second.
    CHECK(answered <= kGlobalPerSecond + static_cast<int>(kGlobalPerSecond * writes.flood_seconds) + 1);
    CHECK(keys.size() <= 6);  // the identity's share of new sets (the default)
}

TEST_CASE("GetCredentialsForIdentity flood: one identity gets its share of new sets, then its newest again",
          "[integration][hostile]") {
    constexpr int kFlooders = 16;
    TempDir dir;
    ServerProcess server(dir.file("data"),
                         {"--auth", "none", "--credentials-per-minute-per-address", "0",
                          "--credentials-per-second", "0", "--new-credentials-per-hour-per-identity", "6"});
    HttpClient client(server.port());
    RecordWriter writer(client);
    const std::string identity = new_identity_id(client);

    AnswerCounts answers;
    IssuedKeys keys;
    std::atomic<int> long_retry_after{0};
    const auto writes = writes_under_flood(writer, server.port(), kFlooders, [&](HttpClient& flooder) {
        auto answer = get_credentials(flooder, identity);
        answers.count(answer);
        keys.add(answer);
        if (answer.status == 429 && answer.retry_after != "1") ++long_retry_after;
    });

    WARN("UpdateRecords p50: " << median(writes.unloaded_ms) << " ms unloaded, " << median(writes.loaded_ms)
                               << " ms under a GetCredentialsForIdentity flood of one identity ("
                               << writes.loaded_ms.size() << " writes); " << answers.ok << " answered, "
                               << keys.size() << " sets stored, " << answers.throttled << " throttled in "
                               << writes.flood_seconds << " s");
    CHECK(writes.failed_writes == 0);
    CHECK(answers.other == 0);
    CHECK(answers.ok > 100);
    CHECK(keys.size() == 6);
    // The only refusals: calls that found the identity's share taken while those sets were still being
    // written, told to retry a second later.
    CHECK(long_retry_after == 0);
    CHECK(
        metric(
            client,
            R"(synclatch_throttled_requests_total{operation="GetCredentialsForIdentity",limit="identity"})") ==
        answers.throttled);
}

TEST_CASE(
    "GetCredentialsForIdentity flood: with the limits off, every set is written in the group commit "
    "and UpdateRecords keeps its pace",
    "[integration][hostile]") {
    constexpr int kFlooders = 16;
    TempDir dir;
    ServerProcess server(dir.file("data"),
                         {"--auth", "none", "--credentials-per-minute-per-address", "0",
                          "--credentials-per-second", "0", "--new-credentials-per-hour-per-identity", "0"});
    HttpClient client(server.port());
    RecordWriter writer(client);
    const std::string identity = new_identity_id(client);

    AnswerCounts answers;
    IssuedKeys keys;
    const auto writes = writes_under_flood(writer, server.port(), kFlooders, [&](HttpClient& flooder) {
        auto answer = get_credentials(flooder, identity);
        answers.count(answer);
        keys.add(answer);
    });

    WARN("UpdateRecords p50: " << median(writes.unloaded_ms) << " ms unloaded, " << median(writes.loaded_ms)
                               << " ms under an unlimited GetCredentialsForIdentity flood ("
                               << writes.loaded_ms.size() << " writes); " << answers.ok << " sets stored in "
                               << writes.flood_seconds << " s");
    CHECK(writes.failed_writes == 0);
    CHECK(answers.other == 0);
    CHECK(answers.throttled == 0);
    CHECK(keys.size() == static_cast<std::size_t>(answers.ok.load()));  // each answer a set of its own
}
