// Signed requests to synclatch-server's stream routes (GET/POST /streams/..., GET /metrics) over the Beast
// client, and a small reader of Prometheus samples.
#include "synclatch/platform/server_streams.hpp"
#include "synclatch/sync/protocol_json.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "stream_page.hpp"

namespace synclatch::platform {

using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kRequestDeadline{15};  // beyond any long-poll wait

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A non-2xx answer as a Status, with the server's message (PROTOCOL.md §4 bodies carry one).
Status status_of(const sync::HttpResponse& response, std::string_view what) {
    std::string message = std::string(what) + ": the server answered " + std::to_string(response.status);
    const json body = sync::parse_json_text(response.body);
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        message += ": " + body["message"].get<std::string>();
    const Errc code = response.status == 401 || response.status == 403 ? Errc::unauthorized
                      : response.status == 404                         ? Errc::not_found
                      : response.status >= 500                         ? Errc::unavailable
                                                                       : Errc::invalid_argument;
    return {code, message};
}

}  // namespace

struct ServerStreams::Impl {
    std::unique_ptr<BeastHttpClient> http;
    std::string authority;
    sync::sigv4::Credentials developer;

    Result<sync::HttpResponse> send(std::string method, std::string path, std::string query, std::string body,
                                    std::chrono::milliseconds deadline) {
        sync::sigv4::Request wire{
            std::move(method), std::move(path), std::move(query), {{"Host", authority}}, std::move(body)};
        if (!wire.body.empty()) wire.headers.emplace_back("Content-Type", "application/json");
        sync::sigv4::sign(wire, developer, "us-east-1", "cognito-sync", sync::sigv4::amz_date(now_millis()));
        std::string target = wire.query.empty() ? wire.path : wire.path + "?" + wire.query;
        return http->send({wire.method, std::move(target), std::move(wire.headers), std::move(wire.body)},
                          deadline);
    }
};

Result<std::unique_ptr<ServerStreams>> ServerStreams::open(const sync::Endpoint& endpoint,
                                                           sync::sigv4::Credentials developer,
                                                           const HttpClientOptions& http_options) {
    auto http = BeastHttpClient::open(endpoint, http_options);
    if (!http.ok()) return http.status();
    auto impl = std::make_unique<Impl>();
    impl->http = std::move(http).value();
    impl->authority = endpoint.authority();
    impl->developer = std::move(developer);
    return std::unique_ptr<ServerStreams>(new ServerStreams(std::move(impl)));
}

ServerStreams::ServerStreams(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerStreams::~ServerStreams() = default;

Result<StreamPage> ServerStreams::read(std::string_view stream, std::int64_t after, int limit,
                                       std::chrono::seconds wait) {
    std::string query = "after=" + std::to_string(after) + "&limit=" + std::to_string(limit);
    if (wait.count() > 0) query += "&wait=" + std::to_string(wait.count());
    auto answer = impl_->send("GET", "/streams/" + std::string(stream) + "/records", std::move(query), "",
                              kRequestDeadline + wait);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return status_of(*answer, "reading stream " + std::string(stream));
    return detail::parse_stream_page(answer->body);
}

Result<std::int64_t> ServerStreams::post_event(std::string_view partition_key, std::string_view data) {
    const json parsed = sync::parse_json_text(data);
    if (!parsed.is_object()) return Status{Errc::invalid_argument, "an event must be a JSON object"};
    const json body = {{"PartitionKey", partition_key}, {"Data", parsed}};
    auto answer = impl_->send("POST", "/streams/events/records", "", body.dump(), kRequestDeadline);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return status_of(*answer, "posting an event");
    const json reply = sync::parse_json_text(answer->body);
    if (!reply.is_object() || !reply.contains("SequenceNumber") ||
        !reply["SequenceNumber"].is_number_integer())
        return Status{Errc::invalid_argument, "the server's answer has no SequenceNumber"};
    return reply["SequenceNumber"].get<std::int64_t>();
}

Result<std::string> ServerStreams::metrics() {
    auto answer = impl_->send("GET", "/metrics", "", "", kRequestDeadline);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return status_of(*answer, "reading /metrics");
    return std::move(answer->body);
}

double metric_value(std::string_view metrics_text, std::string_view name,
                    const std::vector<std::pair<std::string, std::string>>& labels) {
    std::size_t line_start = 0;
    while (line_start < metrics_text.size()) {
        std::size_t line_end = metrics_text.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = metrics_text.size();
        const std::string_view line = metrics_text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        if (!line.starts_with(name) || line.size() == name.size()) continue;
        const char next = line[name.size()];
        if (next != '{' && next != ' ') continue;  // another metric whose name starts with this one
        const std::size_t value_at = line.rfind(' ');
        const std::string_view label_text = line.substr(name.size(), value_at - name.size());
        bool all = true;
        for (const auto& [label, value] : labels)
            all = all && label_text.find(label + "=\"" + value + "\"") != std::string_view::npos;
        if (all) return std::strtod(std::string(line.substr(value_at + 1)).c_str(), nullptr);
    }
    return 0;
}

}  // namespace synclatch::platform
