// The flood tests' clients and figures.
#include "support/flood_clients.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

namespace synclatch::test {

using json = nlohmann::json;

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

void check_too_many_requests(const HttpResult& answer, int max_retry_after) {
    CHECK(answer.status == 429);
    CHECK(answer.error_type == "TooManyRequestsException");
    CHECK(answer.json().value("__type", "") == "TooManyRequestsException");
    const std::string& retry_after = answer.retry_after;
    REQUIRE_FALSE(retry_after.empty());
    CHECK(std::stoi(retry_after) >= 1);
    CHECK(std::stoi(retry_after) <= max_retry_after);
    CHECK(answer.keep_alive);  // a throttled client may keep its connection
}

void AnswerCounts::count(const HttpResult& answer) {
    if (answer.status == 200)
        ++ok;
    else if (answer.status == 429)
        ++throttled;
    else
        ++other;
}

WritesUnderFlood writes_under_flood(RecordWriter& writer, unsigned short port, int flooders,
                                    const std::function<void(HttpClient&)>& flood,
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
            HttpClient client(port, "127.0.0." + std::to_string(10 + i));
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
