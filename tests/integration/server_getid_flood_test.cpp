// GetId floods against a real synclatch-server: new identities beyond the per-address and global limits
// are TooManyRequestsException (429, Retry-After), and a concurrent UpdateRecords client keeps its pace.
// Flooders bind distinct loopback source addresses (127.0.0.x), so each is a client address of its own.
#include <catch2/catch.hpp>

#include <chrono>

#include "support/flood_clients.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;

namespace {

using Clock = std::chrono::steady_clock;

HttpResult get_id(HttpClient& client) {
    return client.identity("GetId", {{"IdentityPoolId", kTestPool}});
}

}  // namespace

TEST_CASE("GetId flood: a client address beyond its limit gets TooManyRequestsException with Retry-After",
          "[integration][hostile]") {
    TempDir dir;
    // 20 new identities at once per address, then one every 3 s; the global limit is out of the way.
    ServerProcess server(dir.file("data"), {"--auth", "none", "--new-identities-per-minute-per-address", "20",
                                            "--new-identities-per-second", "1000"});
    HttpClient flooder(server.port(), "127.0.0.2");
    int created = 0;
    int throttled = 0;
    const auto start = Clock::now();
    for (int i = 0; i < 40; ++i) {
        auto response = get_id(flooder);
        REQUIRE(response.status != 0);
        if (response.status == 200) {
            ++created;
            continue;
        }
        ++throttled;
        check_too_many_requests(response, 3);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(created >= 20);
    CHECK(created <= 20 + 1 + static_cast<int>(seconds / 3));
    CHECK(throttled == 40 - created);

    // Another address has its own allowance.
    HttpClient other(server.port(), "127.0.0.3");
    auto response = get_id(other);
    REQUIRE(response.status != 0);
    CHECK(response.status == 200);

    HttpClient client(server.port());
    CHECK(metric(client, R"(synclatch_throttled_requests_total{operation="GetId",limit="address"})") ==
          throttled);
    CHECK(metric(client, R"(synclatch_requests_total{operation="GetId",status="429"})") == throttled);
}

TEST_CASE("GetId flood: many addresses are held to the global limit and UpdateRecords keeps its pace",
          "[integration][hostile]") {
    constexpr int kGlobalPerSecond = 20;
    constexpr int kFlooders = 16;
    TempDir dir;
    ServerProcess server(dir.file("data"),
                         {"--auth", "none", "--new-identities-per-minute-per-address", "100000",
                          "--new-identities-per-second", std::to_string(kGlobalPerSecond)});
    HttpClient client(server.port());
    RecordWriter writer(client);

    // 16 flooders, each from its own address; the global bucket has refilled after the writer's own GetId.
    AnswerCounts answers;
    const auto writes = writes_under_flood(
        writer, server.port(), kFlooders, [&](HttpClient& flooder) { answers.count(get_id(flooder)); },
        std::chrono::milliseconds(1100));

    const int created = answers.ok;
    WARN("UpdateRecords p50: " << median(writes.unloaded_ms) << " ms unloaded, " << median(writes.loaded_ms)
                               << " ms under a GetId flood (" << writes.loaded_ms.size()
                               << " writes); GetId: " << created << " created, " << answers.throttled
                               << " throttled, " << answers.other << " other in " << writes.flood_seconds
                               << " s");
    CHECK(writes.failed_writes == 0);
    CHECK(answers.other == 0);
    CHECK(answers.throttled > 0);
    // The global bucket: a second's worth at once, then kGlobalPerSecond per second.
    CHECK(created <= kGlobalPerSecond + static_cast<int>(kGlobalPerSecond * writes.flood_seconds) + 1);
}
