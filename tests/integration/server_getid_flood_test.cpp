// GetId floods against a real synclatch-server: new identities beyond the per-address and global limits
// are TooManyRequestsException (429, Retry-After), and a concurrent UpdateRecords client keeps its pace.
// Flooders bind distinct loopback source addresses (127.0.0.x), so each is a client address of its own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A keep-alive connection from a chosen loopback source address, sending GetId.
class GetIdClient {
  public:
    GetIdClient(unsigned short port, std::string source) : port_(port), source_(std::move(source)) {}

    // The answer, or nullopt when the connection failed twice.
    std::optional<http::response<http::string_body>> get_id() {
        http::request<http::string_body> request(http::verb::post, "/", 11);
        request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        request.set(http::field::content_type, "application/x-amz-json-1.1");
        request.set("X-Amz-Target", "AWSCognitoIdentityService.GetId");
        request.body() = json{{"IdentityPoolId", kTestPool}}.dump();
        request.prepare_payload();
        request.keep_alive(true);
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!stream_ && !connect()) continue;
            beast::error_code ec;
            stream_->expires_after(std::chrono::seconds(10));
            http::write(*stream_, request, ec);
            beast::flat_buffer buffer;
            http::response<http::string_body> response;
            if (!ec) http::read(*stream_, buffer, response, ec);
            if (ec) {
                stream_.reset();
                continue;
            }
            if (!response.keep_alive()) stream_.reset();
            return response;
        }
        return std::nullopt;
    }

  private:
    bool connect() {
        stream_.emplace(io_);
        beast::error_code ec;
        auto& socket = stream_->socket();
        socket.open(tcp::v4(), ec);
        if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(source_), 0), ec);
        if (!ec) socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        if (ec) stream_.reset();
        return !ec;
    }

    asio::io_context io_;
    std::optional<beast::tcp_stream> stream_;
    unsigned short port_;
    std::string source_;
};

// One UpdateRecords client writing one key over and over.
class Writer {
  public:
    explicit Writer(HttpClient& client) : client_(client) {
        identity_ = client_.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
        token_ =
            client_.send("GET", dataset_path(identity_, "load") + "/records").json().at("SyncSessionToken");
    }

    // Writes once; returns its latency in milliseconds, or a negative number when it failed.
    double write() {
        const json body = {{"SyncSessionToken", token_},
                           {"RecordPatches",
                            {{{"Op", "replace"},
                              {"Key", "k"},
                              {"Value", std::to_string(sync_count_)},
                              {"SyncCount", sync_count_}}}}};
        const auto start = Clock::now();
        auto result = client_.send("POST", dataset_path(identity_, "load"), body.dump());
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (result.status != 200) return -1;
        sync_count_ = result.json().at("Records").at(0).at("SyncCount").get<int>();
        return ms;
    }

  private:
    HttpClient& client_;
    std::string identity_;
    std::string token_;
    int sync_count_ = 0;
};

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// The value of one metrics line (0 when absent).
double metric(HttpClient& client, const std::string& series) {
    const std::string text = client.send("GET", "/metrics").body;
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size() + 1));
}

}  // namespace

TEST_CASE("GetId flood: a client address beyond its limit gets TooManyRequestsException with Retry-After",
          "[integration][hostile]") {
    TempDir dir;
    // 20 new identities at once per address, then one every 3 s; the global limit is out of the way.
    ServerProcess server(dir.file("data"), {"--auth", "none", "--new-identities-per-minute-per-address", "20",
                                            "--new-identities-per-second", "1000"});
    GetIdClient flooder(server.port(), "127.0.0.2");
    int created = 0;
    int throttled = 0;
    const auto start = Clock::now();
    for (int i = 0; i < 40; ++i) {
        auto response = flooder.get_id();
        REQUIRE(response);
        if (response->result_int() == 200) {
            ++created;
            continue;
        }
        ++throttled;
        REQUIRE(response->result_int() == 429);
        CHECK(response->at("x-amzn-ErrorType") == "TooManyRequestsException");
        CHECK(json::parse(response->body()).at("__type") == "TooManyRequestsException");
        const int retry_after = std::stoi(std::string(response->at(http::field::retry_after)));
        CHECK(retry_after >= 1);
        CHECK(retry_after <= 3);
        CHECK(response->keep_alive());  // a throttled client may keep its connection
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(created >= 20);
    CHECK(created <= 20 + 1 + static_cast<int>(seconds / 3));
    CHECK(throttled == 40 - created);

    // Another address has its own allowance.
    GetIdClient other(server.port(), "127.0.0.3");
    auto response = other.get_id();
    REQUIRE(response);
    CHECK(response->result_int() == 200);

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
    Writer writer(client);

    // Unloaded: the writer alone.
    std::vector<double> unloaded;
    for (int i = 0; i < 200; ++i) {
        const double ms = writer.write();
        REQUIRE(ms >= 0);
        unloaded.push_back(ms);
    }
    // The global bucket has refilled after the writer's own GetId.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));

    // Loaded: 16 flooders, each from its own address, for about two seconds (bounded loop count).
    std::atomic<bool> stop{false};
    std::atomic<int> created{0};
    std::atomic<int> throttled{0};
    std::atomic<int> other{0};
    std::vector<std::thread> flooders;
    const auto flood_start = Clock::now();
    for (int i = 0; i < kFlooders; ++i) {
        flooders.emplace_back([&, i] {
            GetIdClient flooder(server.port(), "127.0.0." + std::to_string(10 + i));
            for (int n = 0; n < 20'000 && !stop.load(); ++n) {
                auto response = flooder.get_id();
                if (!response)
                    ++other;
                else if (response->result_int() == 200)
                    ++created;
                else if (response->result_int() == 429)
                    ++throttled;
                else
                    ++other;
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the flood is under way
    std::vector<double> loaded;
    int failed_writes = 0;
    const auto writes_end = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < writes_end && loaded.size() < 5000) {
        const double ms = writer.write();
        if (ms < 0)
            ++failed_writes;
        else
            loaded.push_back(ms);
    }
    stop = true;
    for (auto& t : flooders)
        t.join();
    const double flood_seconds = std::chrono::duration<double>(Clock::now() - flood_start).count();

    const double unloaded_p50 = median(unloaded);
    const double loaded_p50 = median(loaded);
    WARN("UpdateRecords p50: " << unloaded_p50 << " ms unloaded, " << loaded_p50
                               << " ms under a GetId flood (" << loaded.size()
                               << " writes); GetId: " << created << " created, " << throttled
                               << " throttled, " << other << " other in " << flood_seconds << " s");
    CHECK(failed_writes == 0);
    CHECK(other == 0);
    CHECK(throttled > 0);
    // The global bucket: a second's worth at once, then kGlobalPerSecond per second.
    CHECK(created <= kGlobalPerSecond + static_cast<int>(kGlobalPerSecond * flood_seconds) + 1);
}
