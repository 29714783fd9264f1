// Signed requests to synclatch-server's stream routes (GET/POST /streams/..., GET /metrics) over the Beast
// client, and a small reader of Prometheus samples.
#include "synclatch/platform/server_streams.hpp"
#include "synclatch/sync/protocol_json.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "developer_requests.hpp"
#include "stream_page.hpp"

namespace synclatch::platform {

using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kRequestDeadline{15};  // beyond any long-poll wait

}  // namespace

using detail::status_of;

struct ServerStreams::Impl {
    detail::DeveloperRequests requests;
};

Result<std::unique_ptr<ServerStreams>> ServerStreams::open(const sync::Endpoint& endpoint,
                                                           sync::sigv4::Credentials developer,
                                                           const HttpClientOptions& http_options) {
    auto requests =
        detail::DeveloperRequests::open(endpoint, std::move(developer), "us-east-1", http_options);
    if (!requests.ok()) return requests.status();
    return std::unique_ptr<ServerStreams>(
        new ServerStreams(std::make_unique<Impl>(Impl{std::move(requests).value()})));
}

ServerStreams::ServerStreams(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerStreams::~ServerStreams() = default;

Result<StreamPage> ServerStreams::read(std::string_view stream, std::int64_t after, int limit,
                                       std::chrono::seconds wait) {
    std::string query = "after=" + std::to_string(after) + "&limit=" + std::to_string(limit);
    if (wait.count() > 0) query += "&wait=" + std::to_string(wait.count());
    auto answer = impl_->requests.send("GET", "/streams/" + std::string(stream) + "/records",
                                       std::move(query), "", kRequestDeadline + wait);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return status_of(*answer, "reading stream " + std::string(stream));
    return detail::parse_stream_page(answer->body);
}

Result<std::int64_t> ServerStreams::post_event(std::string_view partition_key, std::string_view data) {
    const json parsed = sync::parse_json_text(data);
    if (!parsed.is_object()) return Status{Errc::invalid_argument, "an event must be a JSON object"};
    const json body = {{"PartitionKey", partition_key}, {"Data", parsed}};
    auto answer = impl_->requests.send("POST", "/streams/events/records", "", body.dump(), kRequestDeadline);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return status_of(*answer, "posting an event");
    const json reply = sync::parse_json_text(answer->body);
    if (!reply.is_object() || !reply.contains("SequenceNumber") ||
        !reply["SequenceNumber"].is_number_integer())
        return Status{Errc::invalid_argument, "the server's answer has no SequenceNumber"};
    return reply["SequenceNumber"].get<std::int64_t>();
}

Result<std::string> ServerStreams::metrics() {
    auto answer = impl_->requests.send("GET", "/metrics", "", "", kRequestDeadline);
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
