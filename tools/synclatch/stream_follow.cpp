// Long-poll loop: each answer holds the records after `after` (or none when `wait` ran out); the next
// request starts from LastSequenceNumber. Requests are SigV4-signed like the SDKs' requests.
#include "stream_follow.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "synclatch/platform/beast_http_client.hpp"

namespace synclatch::cli {

namespace {

constexpr int kWaitSeconds = 20;  // the server's longest long-poll

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status follow_stream(const FollowOptions& options, Output& output) {
    auto http = platform::BeastHttpClient::open(options.endpoint);
    if (!http.ok()) return http.status();
    sync::sigv4::Signer signer(options.credentials, "us-east-1", "cognito-sync");
    std::int64_t after = options.after;
    std::int64_t printed = 0;
    for (;;) {
        sync::sigv4::Request signed_request;
        signed_request.method = "GET";
        signed_request.path = "/streams/" + options.stream + "/records";
        signed_request.query = "after=" + std::to_string(after) + "&limit=100" +
                               (options.follow ? "&wait=" + std::to_string(kWaitSeconds) : "");
        signed_request.headers = {{"Host", options.endpoint.authority()}};
        signer.sign(signed_request, sync::sigv4::amz_date(now_millis()));
        sync::HttpRequest request{"GET", signed_request.path + "?" + signed_request.query,
                                  signed_request.headers, ""};
        auto response = (*http)->send(request, std::chrono::seconds(kWaitSeconds + 10));
        if (!response.ok()) return response.status();
        auto body = nlohmann::json::parse(response->body, nullptr, false);
        if (response->status != 200) {
            std::string message = "the server answered " + std::to_string(response->status);
            if (body.is_object() && body.contains("message")) message += ": " + body["message"].dump();
            return {response->status == 403 || response->status == 401 ? Errc::unauthorized
                    : response->status == 404                          ? Errc::not_found
                                                                       : Errc::invalid_argument,
                    message};
        }
        if (!body.is_object() || !body.contains("Records") || !body["Records"].is_array())
            return {Errc::invalid_argument, "the server's answer is not a stream page"};
        for (const auto& record : body["Records"]) {
            const std::int64_t seq = record.value("SequenceNumber", std::int64_t{0});
            std::string text = std::to_string(seq) + "  " + record.value("PartitionKey", std::string()) +
                               "  " + record.value("Data", nlohmann::json::object()).dump();
            output.result(record, text);
            after = std::max(after, seq);
            if (options.count && ++printed >= *options.count) return {};
        }
        if (body.contains("LastSequenceNumber") && body["LastSequenceNumber"].is_number_integer())
            after = std::max(after, body["LastSequenceNumber"].get<std::int64_t>());
        if (!options.follow && body["Records"].empty()) return {};
    }
}

}  // namespace synclatch::cli
