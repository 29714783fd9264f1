// Hostile load against a real synclatch-server: one client trying to stop it serving or to make it hold
// gigabytes. Each test watches the server's resident memory in /proc while it attacks, checks it stays
// within what docs/server.md ("Memory budget") promises for the limits the test sets, and checks that
// other clients are served meanwhile and after.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/numbered.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// Sanitizers add shadow memory and redzones to every allocation: the same bound, with their overhead. And
// AddressSanitizer keeps freed memory in a quarantine (256 MiB by default) that would look like growth:
// the servers these tests start get a small one.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kAllocatorOverhead = 3;
[[maybe_unused]] const bool kSmallQuarantine = [] {
    const char* options = std::getenv("ASAN_OPTIONS");
    const std::string small = "quarantine_size_mb=8:thread_local_quarantine_size_kb=64";
    ::setenv("ASAN_OPTIONS", options ? (std::string(options) + ":" + small).c_str() : small.c_str(), 1);
    return true;
}();
#else
constexpr std::size_t kAllocatorOverhead = 1;
#endif

// GET /healthz on a fresh connection, answered within `wait`.
bool healthz_answers(unsigned short port, std::chrono::milliseconds wait = 2000ms,
                     const std::string& source_address = "") {
    RawConnection raw(port, 0, source_address);
    if (!raw.connected()) return false;
    raw.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return raw.read_until_closed(wait).starts_with("HTTP/1.1 200");
}

// The highest resident size seen while `attack` runs, sampled every 20 ms.
template <typename Attack>
std::size_t peak_rss_during(pid_t pid, Attack&& attack) {
    std::atomic<bool> done{false};
    std::size_t peak = resident_bytes(pid);
    std::thread sampler([&] {
        while (!done) {
            peak = std::max(peak, resident_bytes(pid));
            std::this_thread::sleep_for(20ms);
        }
    });
    attack();
    peak = std::max(peak, resident_bytes(pid));
    done = true;
    sampler.join();
    return std::max(peak, resident_bytes(pid));
}

// A WebSocket upgrade for /push, unsigned (the servers here run --auth none).
std::string push_upgrade(const std::string& device) {
    return "GET /push?deviceId=" + device +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string json_request(const std::string& method, const std::string& target, const std::string& body,
                         const std::string& extra_headers = "") {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string new_identity_id(HttpClient& client) {
    return client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
}

// What a connection that is refused at once receives.
void check_refused_at_connect(RawConnection& connection) {
    bool closed = false;
    const auto answer = connection.read_until_closed(2000ms, &closed);
    CHECK(answer.starts_with("HTTP/1.1 503"));
    CHECK(answer.find("Retry-After: 1") != std::string::npos);
    CHECK(answer.find("TooManyRequestsException") != std::string::npos);
    CHECK(closed);
}

}  // namespace

TEST_CASE("Load: the server accepts again once file descriptors are free", "[integration][hostile][load]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none", "--no-data-lake"});
    REQUIRE(healthz_answers(server.port()));
    // Run the server short of descriptors: 32 more than it holds now (its io threads' reactors, database
    // connections), which the connections below exhaust (the kernel still completes their handshakes, so
    // they connect whether or not the server can accept them).
    const auto open_now = static_cast<rlim_t>(
        std::distance(std::filesystem::directory_iterator("/proc/" + std::to_string(server.pid()) + "/fd"),
                      std::filesystem::directory_iterator()));
    const rlimit low{open_now + 32, open_now + 32};
    REQUIRE(::prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr) == 0);
    {
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 80; ++i)
            held.push_back(std::make_unique<RawConnection>(server.port()));
        std::this_thread::sleep_for(300ms);  // the server meets EMFILE while these are open
    }
    // All released: a new client is answered within a second.
    CHECK(healthz_answers(server.port(), 1000ms));
    CHECK(healthz_answers(server.port(), 1000ms));
}

TEST_CASE("Load: connections beyond the limits, per address and in all, get 503 and a close",
          "[integration][hostile][load]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none", "--no-data-lake", "--max-connections", "16",
                                            "--max-connections-per-address", "8"});
    const auto open_from = [&](const std::string& address, int count) {
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < count; ++i)
            held.push_back(std::make_unique<RawConnection>(server.port(), 0, address));
        std::this_thread::sleep_for(200ms);  // all accepted
        return held;
    };
    auto first = open_from("127.0.0.1", 8);
    {
        RawConnection ninth(server.port());
        check_refused_at_connect(ninth);
    }
    CHECK(healthz_answers(server.port(), 2000ms, "127.0.0.2"));  // another address is served
    auto second = open_from("127.0.0.3", 8);
    {
        RawConnection seventeenth(server.port(), 0, "127.0.0.4");
        check_refused_at_connect(seventeenth);
    }
    first.resize(4);  // some idle clients leave
    std::this_thread::sleep_for(200ms);
    CHECK(healthz_answers(server.port()));
}

TEST_CASE("Load: request bodies held open by one client stay within its share of the budget",
          "[integration][hostile][load]") {
    TempDir dir;
    constexpr std::size_t kBudget = 32 * kMiB;
    constexpr std::size_t kPerAddress = 16 * kMiB;
    constexpr std::size_t kBody = 4 * kMiB;
    ServerProcess server(
        dir.file("data"),
        {"--auth", "none", "--no-data-lake", "--max-connections", "256", "--max-body-bytes-in-flight",
         std::to_string(kBudget), "--max-body-bytes-in-flight-per-address", std::to_string(kPerAddress)});
    HttpClient client(server.port());
    const std::string identity = new_identity_id(client);
    const std::string path = dataset_path(identity, "things");
    const std::size_t before = resident_bytes(server.pid());

    // 100 clients each send a 4 MiB body but its last byte, and hold it.
    std::vector<std::unique_ptr<RawConnection>> attackers;
    const std::string body(kBody, ' ');
    const std::size_t peak = peak_rss_during(server.pid(), [&] {
        for (int i = 0; i < 100; ++i) {
            auto raw = std::make_unique<RawConnection>(server.port());
            const std::string request = json_request("POST", path, body);
            raw->send(request.substr(0, request.size() - 1));
            attackers.push_back(std::move(raw));
        }
        std::this_thread::sleep_for(300ms);
        // Meanwhile the attacker's own address gets a retryable 429 for anything with a body, while
        // its reads, and everything from other addresses, are served.
        CHECK(client.send("GET", "/healthz").status == 200);
        CHECK(client.send("GET", path + "/records").status == 200);
        HttpClient same_address(server.port());
        const auto refused =
            same_address.send("POST", path, R"({"SyncSessionToken":"x","RecordPatches":[]})");
        CHECK(refused.status == 429);
        CHECK(refused.error_type == "TooManyRequestsException");
        HttpClient other_address(server.port(), "127.0.0.2");
        const auto token = other_address.send("GET", path + "/records").json().at("SyncSessionToken");
        const auto written = other_address.send(
            "POST", path,
            json{{"SyncSessionToken", token},
                 {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}}
                .dump());
        CHECK(written.status == 200);
    });
    const std::size_t growth = peak > before ? peak - before : 0;
    WARN("resident before " << before / kMiB << " MiB, peak " << peak / kMiB << " MiB");
    // The attacker's share of the budget, plus each connection's read buffer (docs/server.md).
    CHECK(growth < kAllocatorOverhead * (kPerAddress + 100 * 80 * 1024) + 16 * kMiB);

    attackers.clear();
    std::this_thread::sleep_for(200ms);
    auto token = client.send("GET", path + "/records").json().at("SyncSessionToken").get<std::string>();
    const auto written = client.send(
        "POST", path,
        json{{"SyncSessionToken", token},
             {"RecordPatches", {{{"Op", "replace"}, {"Key", "k"}, {"Value", "w"}, {"SyncCount", 1}}}}}
            .dump());
    CHECK(written.status == 200);
}

TEST_CASE("Load: push hints for devices that never read stay bounded", "[integration][hostile][load][push]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none", "--no-data-lake", "--max-connections", "256"});
    HttpClient client(server.port());
    const std::string identity = new_identity_id(client);
    // Long dataset names make long hints: the more a queue would hold per write.
    std::vector<std::string> datasets;
    for (int i = 0; i < 4; ++i)
        datasets.push_back(numbered("d", i) + std::string(120, 'x'));

    constexpr int kDevices = 40;
    std::vector<std::unique_ptr<RawConnection>> channels;
    const auto device_path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                             encode_path_segment(identity) + "/device";
    for (int i = 0; i < kDevices; ++i) {
        auto device =
            client.send("POST", device_path, json{{"Platform", "GCM"}, {"Token", numbered("t", i)}}.dump());
        REQUIRE(device.status == 200);
        const std::string id = device.json().at("DeviceId");
        for (const auto& dataset : datasets)
            REQUIRE(
                client.send("POST", dataset_path(identity, dataset) + "/subscriptions/" + id, "{}").status ==
                200);
        // A channel that never reads, with a tiny receive buffer so that the server, not the kernel,
        // would hold what it cannot send.
        auto channel = std::make_unique<RawConnection>(server.port(), 1024);
        channel->send(push_upgrade(id));
        channels.push_back(std::move(channel));
    }
    std::this_thread::sleep_for(200ms);
    const std::size_t before = resident_bytes(server.pid());

    std::atomic<int> failed_writes{0};
    const std::size_t peak = peak_rss_during(server.pid(), [&] {
        std::vector<std::thread> writers;
        for (const auto& dataset : datasets) {
            writers.emplace_back([&, dataset] {
                HttpClient writer(server.port());
                const auto path = dataset_path(identity, dataset);
                std::string token = writer.send("GET", path + "/records").json().at("SyncSessionToken");
                std::int64_t count = 0;
                for (int i = 0; i < 2500; ++i) {
                    const auto body = json{{"SyncSessionToken", token},
                                           {"RecordPatches",
                                            {{{"Op", "replace"},
                                              {"Key", "k"},
                                              {"Value", std::to_string(i)},
                                              {"SyncCount", count}}}}};
                    const auto result = writer.send("POST", path, body.dump());
                    if (result.status != 200) {
                        ++failed_writes;
                        break;
                    }
                    count = result.json().at("Records").at(0).at("SyncCount").get<std::int64_t>();
                }
            });
        }
        for (auto& writer : writers)
            writer.join();
    });
    CHECK(failed_writes == 0);
    const std::size_t growth = peak > before ? peak - before : 0;
    WARN("resident before " << before / kMiB << " MiB, peak " << peak / kMiB << " MiB; 10,000 writes, "
                            << kDevices << " channels");
    // One pending hint per dataset and channel (docs/server.md): well under a MiB here. Without either bound
    // the 400,000 hints of this test took 110 MiB more.
    CHECK(growth < kAllocatorOverhead * 24 * kMiB);
    CHECK(healthz_answers(server.port()));
}

TEST_CASE("Load: a WebSocket message larger than a push channel takes closes it",
          "[integration][hostile][load][push]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none", "--no-data-lake", "--max-connections", "256"});
    HttpClient client(server.port());
    const std::string identity = new_identity_id(client);
    const auto device_path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                             encode_path_segment(identity) + "/device";
    const std::size_t before = resident_bytes(server.pid());

    // 20 channels each start a 15 MB text frame and send all of it but its last byte.
    constexpr std::uint64_t kFrame = 15'000'000;
    std::string header = {'\x81', '\xff'};  // FIN + text; masked, 64-bit length
    for (int shift = 56; shift >= 0; shift -= 8)
        header += static_cast<char>((kFrame >> shift) & 0xff);
    header += std::string(4, '\0');  // a zero mask keeps the payload as sent
    const std::string payload(kFrame - 1, 'x');
    std::vector<std::unique_ptr<RawConnection>> channels;
    int closed_early = 0;
    const std::size_t peak = peak_rss_during(server.pid(), [&] {
        for (int i = 0; i < 20; ++i) {
            auto device = client.send("POST", device_path,
                                      json{{"Platform", "GCM"}, {"Token", numbered("t", i)}}.dump());
            REQUIRE(device.status == 200);
            auto channel = std::make_unique<RawConnection>(server.port());
            channel->send(push_upgrade(device.json().at("DeviceId")));
            const auto upgraded = channel->read_until_closed(300ms);
            REQUIRE(upgraded.starts_with("HTTP/1.1 101"));
            if (!channel->send(header + payload)) ++closed_early;  // the server hung up mid-frame
            channels.push_back(std::move(channel));
        }
        std::this_thread::sleep_for(300ms);
        CHECK(healthz_answers(server.port()));
    });
    const std::size_t growth = peak > before ? peak - before : 0;
    WARN("resident before " << before / kMiB << " MiB, peak " << peak / kMiB << " MiB; " << closed_early
                            << " of 20 channels closed before their frame was sent");
    CHECK(growth < kAllocatorOverhead * 16 * kMiB);
    for (auto& channel : channels) {
        bool closed = false;
        channel->read_until_closed(1000ms, &closed);
        CHECK(closed);
    }
}

TEST_CASE("Load: JSON nested a hundred thousand deep gets a typed 400 from every JSON endpoint",
          "[integration][hostile][load]") {
    TempDir dir;
    ServerProcess server(dir.file("data"), {"--auth", "none", "--no-data-lake"});
    HttpClient client(server.port());
    const std::string identity = new_identity_id(client);
    const std::string pool = "/identitypools/" + encode_path_segment(kTestPool);
    const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    const std::string deep = nested(100'000);
    const std::size_t before = resident_bytes(server.pid());

    struct Endpoint {
        std::string method, target, body, headers;
    };
    std::vector<Endpoint> endpoints = {
        {"POST", dataset_path(identity, "things"), R"({"SyncSessionToken":"t","RecordPatches":)" + deep + "}",
         ""},
        {"POST", pool + "/configuration", R"({"PushSync":)" + deep + "}", ""},
        {"POST", pool + "/events", R"({"Events":)" + deep + "}", ""},
        {"POST", pool + "/identity/" + encode_path_segment(identity) + "/device",
         R"({"Platform":"GCM","Token":)" + deep + "}", ""},
        {"POST", "/streams/events/records", R"({"PartitionKey":"p","Data":{"thing":)" + deep + "}}", ""},
        {"PUT", "/streams/events/consumers/g", R"({"SequenceNumber":)" + deep + "}", ""},
        {"POST", "/processors/listener/replay", R"({"Records":)" + deep + "}", ""},
    };
    // Cognito Identity calls take at most 64 KiB: 100,000 deep is refused for its size, 20,000 for its depth.
    for (const char* operation : {"GetId", "GetCredentialsForIdentity", "GetOpenIdToken"}) {
        for (std::size_t depth : {std::size_t{100'000}, std::size_t{20'000}}) {
            endpoints.push_back(
                {"POST", "/", R"({"IdentityPoolId":)" + nested(depth) + "}",
                 std::string("X-Amz-Target: AWSCognitoIdentityService.") + operation + "\r\n"});
        }
    }
    for (const auto& endpoint : endpoints) {
        INFO(endpoint.method << " " << endpoint.target << " " << endpoint.headers);
        RawConnection raw(server.port());
        raw.send(json_request(endpoint.method, endpoint.target, endpoint.body, endpoint.headers));
        const auto answer = raw.read_until_closed(3000ms);
        CHECK(answer.starts_with("HTTP/1.1 400"));
        const bool typed = answer.find("x-amzn-ErrorType: InvalidParameterException") != std::string::npos ||
                           answer.find("x-amzn-ErrorType: LimitExceededException") != std::string::npos;
        CHECK(typed);
        REQUIRE(healthz_answers(server.port()));  // still alive
    }
    const std::size_t after = resident_bytes(server.pid());
    WARN("resident before " << before / kMiB << " MiB, after " << after / kMiB << " MiB");
    CHECK(after < before + kAllocatorOverhead * 16 * kMiB);
}
