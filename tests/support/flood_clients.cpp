// The flood tests' clients and figures.
#include "support/flood_clients.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <thread>

namespace synclatch::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

SourceAddressClient::SourceAddressClient(unsigned short port, std::string source)
    : port_(port), source_(std::move(source)) {}

std::optional<http::response<http::string_body>> SourceAddressClient::identity(const std::string& operation,
                                                                               const json& body) {
    http::request<http::string_body> request(http::verb::post, "/", 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    request.set(http::field::content_type, "application/x-amz-json-1.1");
    request.set("X-Amz-Target", "AWSCognitoIdentityService." + operation);
    request.body() = body.dump();
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

bool SourceAddressClient::connect() {
    stream_.emplace(io_);
    beast::error_code ec;
    auto& socket = stream_->socket();
    socket.open(tcp::v4(), ec);
    if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(source_), 0), ec);
    if (!ec) socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) stream_.reset();
    return !ec;
}

RecordWriter::RecordWriter(HttpClient& client) : client_(client) {
    identity_ = client_.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId");
    token_ = client_.send("GET", dataset_path(identity_, "load") + "/records").json().at("SyncSessionToken");
}

double RecordWriter::write() {
    const json body = {{"SyncSessionToken", token_},
                       {"RecordPatches",
                        {{{"Op", "replace"},
                          {"Key", "k"},
                          {"Value", std::to_string(sync_count_)},
                          {"SyncCount", sync_count_}}}}};
    const auto start = std::chrono::steady_clock::now();
    auto result = client_.send("POST", dataset_path(identity_, "load"), body.dump());
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (result.status != 200) return -1;
    sync_count_ = result.json().at("Records").at(0).at("SyncCount").get<int>();
    return ms;
}

void check_too_many_requests(const http::response<http::string_body>& answer, int max_retry_after) {
    CHECK(answer.result_int() == 429);
    CHECK(answer["x-amzn-ErrorType"] == "TooManyRequestsException");
    CHECK(json::parse(answer.body(), nullptr, false).value("__type", "") == "TooManyRequestsException");
    const std::string retry_after(answer[http::field::retry_after]);
    REQUIRE_FALSE(retry_after.empty());
    CHECK(std::stoi(retry_after) >= 1);
    CHECK(std::stoi(retry_after) <= max_retry_after);
    CHECK(answer.keep_alive());  // a throttled client may keep its connection
}

void AnswerCounts::count(const IdentityAnswer& answer) {
    if (answer && answer->result_int() == 200)
        ++ok;
    else if (answer && answer->result_int() == 429)
        ++throttled;
    else
        ++other;
}

WritesUnderFlood writes_under_flood(RecordWriter& writer, unsigned short port, int flooders,
                                    const std::function<void(SourceAddressClient&)>& flood,
                                    std::chrono::milliseconds settle) {
    using Clock = std::chrono::steady_clock;
    WritesUnderFlood out;
    const auto time_write = [&](std::vector<double>& into) {
        const double ms = writer.write();
        if (ms < 0)
            ++out.failed_writes;
        else
            into.push_back(ms);
    };
    for (int i = 0; i < 200; ++i)
        time_write(out.unloaded_ms);
    std::this_thread::sleep_for(settle);

    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const auto flood_start = Clock::now();
    for (int i = 0; i < flooders; ++i) {
        threads.emplace_back([&, i] {
            SourceAddressClient client(port, "127.0.0." + std::to_string(10 + i));
            for (int n = 0; n < 20'000 && !stop.load(); ++n)
                flood(client);
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the flood is under way
    const auto writes_end = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < writes_end && out.loaded_ms.size() < 5000)
        time_write(out.loaded_ms);
    stop = true;
    for (auto& t : threads)
        t.join();
    out.flood_seconds = std::chrono::duration<double>(Clock::now() - flood_start).count();
    return out;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double metric(HttpClient& client, const std::string& series) {
    const std::string text = client.send("GET", "/metrics").body;
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size() + 1));
}

}  // namespace synclatch::test
