// Reading a peer's events and applying them with the latch closed.
#include "processors/bridge_processor.hpp"

#include <nlohmann/json.hpp>

#include "events/domain_event.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/protocol_json.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr int kBatch = 100;

Status peer_error(const std::string& url, const std::string& what) {
    return {Errc::unavailable, "peer " + url + ": " + what};
}

}  // namespace

Result<std::string> BridgeProcessor::peer_id() {
    const std::string& peer_url = options_.peer_url;
    auto answer = http_->send({"GET", "/healthz", {{"Host", host_header_}}, ""}, std::chrono::seconds(5));
    if (!answer.ok()) return peer_error(peer_url, answer.status().message());
    const json body = sync::parse_json_text(answer->body);
    if (answer->status != 200 || !body.is_object() || !body.contains("deploymentId") ||
        !body.at("deploymentId").is_string())
        return peer_error(peer_url, "GET /healthz did not say which deployment it is (HTTP " +
                                        std::to_string(answer->status) + ")");
    return body.at("deploymentId").get<std::string>();
}

Result<std::unique_ptr<BridgeProcessor>> BridgeProcessor::open(Storage& store, Metrics& metrics,
                                                               std::function<EpochMillis()> clock,
                                                               BridgeOptions options) {
    auto endpoint = sync::parse_endpoint(options.peer_url);
    if (!endpoint.ok())
        return Status{Errc::invalid_argument,
                      "--peer " + options.peer_url + ": " + endpoint.status().message()};
    if (!options.open_http) return Status{Errc::invalid_argument, "bridge: no HTTP client to open"};
    sync::HttpClientOptions http_options;
    http_options.max_idle_connections = 1;
    http_options.max_response_bytes = 32 * 1024 * 1024;
    http_options.user_agent = "synclatch-server-bridge";
    auto http = options.open_http(*endpoint, http_options);
    if (!http.ok()) return http.status();
    auto bridge = std::unique_ptr<BridgeProcessor>(
        new BridgeProcessor(store, metrics, std::move(clock), std::move(options), std::move(http).value()));
    bridge->host_header_ = endpoint->authority();
    return bridge;
}

BridgeProcessor::BridgeProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock,
                                 BridgeOptions options, std::unique_ptr<sync::HttpClient> http)
    : store_(store),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(std::move(options)),
      http_(std::move(http)),
      checkpoint_stream_("peer:" + options_.peer_url),
      to_write_(event_to_write(store.deployment_id(), options_.max_hops)) {}

Result<sync::HttpResponse> BridgeProcessor::get(const std::string& target) {
    const auto query_at = target.find('?');
    sync::sigv4::Request wire{"GET",
                              target.substr(0, query_at),
                              query_at == std::string::npos ? "" : target.substr(query_at + 1),
                              {{"Host", host_header_}},
                              ""};
    if (options_.credentials)
        sync::sigv4::sign(wire, *options_.credentials, "us-east-1", "cognito-sync",
                          sync::sigv4::amz_date(clock_()));
    return http_->send({"GET", target, std::move(wire.headers), ""},
                       options_.long_poll + std::chrono::seconds(10));
}

Result<bool> BridgeProcessor::step(std::int64_t lease) {
    if (!peer_checked_) {
        // A peer with this deployment's own id would make its writes look like our echoes: refuse it.
        auto id = peer_id();
        if (!id.ok()) return id.status();
        if (*id == store_.deployment_id()) {
            metrics_.count_processor_events(name_, "refused");
            return Status{Errc::conflict, "peer " + options_.peer_url + " has this deployment's own id '" +
                                              *id + "'; deployment ids must be unique"};
        }
        peer_checked_ = true;
    }
    auto after = store_.checkpoint(checkpoint_stream_, name_);
    if (!after.ok()) return after.status();
    auto answer =
        get("/streams/events/records?after=" + std::to_string(*after) + "&limit=" + std::to_string(kBatch) +
            "&wait=" + std::to_string(options_.long_poll.count()));
    if (!answer.ok()) return peer_error(options_.peer_url, answer.status().message());
    json page = sync::parse_json_text(answer->body, sync::kJsonPageLimits);
    if (answer->status != 200 || !page.is_object() || !page.contains("Records") ||
        !page.at("Records").is_array() || !page.contains("LastSequenceNumber") ||
        !page.at("LastSequenceNumber").is_number_integer())
        return peer_error(options_.peer_url, "reading its events: HTTP " + std::to_string(answer->status) +
                                                 " " + answer->body.substr(0, 200));
    json& records = page.at("Records");
    if (records.empty()) return false;
    std::vector<json> events;
    events.reserve(records.size());
    for (auto& record : records)
        events.push_back(std::move(record["Data"]));
    auto counts = apply_events(
        store_, name_, events, to_write_,
        Checkpoint{checkpoint_stream_, name_, page.at("LastSequenceNumber").get<std::int64_t>(), lease},
        clock_());
    if (!counts.ok()) return counts.status();
    count_outcomes(metrics_, name_, *counts);
    return true;
}

EventToWrite BridgeProcessor::event_to_write(std::string deployment_id, int max_hops) {
    return
        [self = std::move(deployment_id), max_hops](json& event) -> std::variant<ReceivedWrite, std::string> {
            const bool deletion = event.is_object() && event.value("type", json()) == "dataset-deleted";
            if (!deletion && !is_thing_event(event)) return std::string("ignored");
            auto thing = deletion ? read_dataset_deleted_event(event) : read_thing_event(event);
            if (!thing.ok()) {
                log(LogLevel::warn, "bridge: " + thing.status().message());
                return std::string("rejected");
            }
            if (thing->source == self) return std::string("skipped_by_latch");  // our own write coming back
            const std::int64_t distance = thing->hops + 1;
            // Events of another service (no dataset) are for listeners; a dataset write is replicated with
            // its value as written, and never past max_hops bridges.
            if (thing->dataset.empty() || distance > max_hops) return std::string("ignored");
            if (!deletion && !thing->removed && !thing->raw_value) return std::string("rejected");
            ReceivedWrite w;
            w.deletes_dataset = deletion;
            w.event_id = thing->id;
            w.pool_id = thing->identity_pool_id;
            w.identity_id = thing->identity_id;
            w.dataset = thing->dataset;
            w.key = thing->thing_id;
            if (!deletion && !thing->removed) w.value = thing->raw_value;
            w.origin = thing->source;
            w.version = thing->version;
            w.origin_seq = thing->origin_seq;
            w.device_last_modified_date = thing->timestamp;
            if (distance < max_hops) {
                event["hops"] = distance;
                w.forward = NewStreamRecord{thing->identity_id, event.dump()};
            }
            return w;
        };
}

}  // namespace synclatch::server
