// Reading a peer's events and applying them with the latch closed.
#include "bridge_processor.hpp"

#include <nlohmann/json.hpp>

#include "domain_event.hpp"
#include "log.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/endpoint.hpp"

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
    const json body = json::parse(answer->body, nullptr, false);
    if (answer->status != 200 || !body.is_object() || !body.contains("deploymentId") ||
        !body.at("deploymentId").is_string())
        return peer_error(peer_url, "GET /healthz did not say which deployment it is (HTTP " +
                                        std::to_string(answer->status) + ")");
    return body.at("deploymentId").get<std::string>();
}

Result<std::unique_ptr<BridgeProcessor>> BridgeProcessor::open(SyncStore& store, Metrics& metrics,
                                                               std::function<EpochMillis()> clock,
                                                               BridgeOptions options) {
    auto endpoint = sync::parse_endpoint(options.peer_url);
    if (!endpoint.ok())
        return Status{Errc::invalid_argument,
                      "--peer " + options.peer_url + ": " + endpoint.status().message()};
    platform::HttpClientOptions http_options;
    http_options.max_idle_connections = 1;
    http_options.max_response_bytes = 32 * 1024 * 1024;
    http_options.user_agent = "synclatch-server-bridge";
    auto http = platform::BeastHttpClient::open(*endpoint, http_options);
    if (!http.ok()) return http.status();
    auto bridge = std::unique_ptr<BridgeProcessor>(
        new BridgeProcessor(store, metrics, std::move(clock), std::move(options), std::move(http).value()));
    bridge->host_header_ = endpoint->authority();
    return bridge;
}

BridgeProcessor::BridgeProcessor(SyncStore& store, Metrics& metrics, std::function<EpochMillis()> clock,
                                 BridgeOptions options, std::unique_ptr<sync::HttpClient> http)
    : store_(store),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(std::move(options)),
      http_(std::move(http)),
      checkpoint_stream_("peer:" + options_.peer_url) {}

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

Result<bool> BridgeProcessor::step() {
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
    json page = json::parse(answer->body, nullptr, false);
    if (answer->status != 200 || !page.is_object() || !page.contains("Records") ||
        !page.at("Records").is_array() || !page.contains("LastSequenceNumber") ||
        !page.at("LastSequenceNumber").is_number_integer())
        return peer_error(options_.peer_url, "reading its events: HTTP " + std::to_string(answer->status) +
                                                 " " + answer->body.substr(0, 200));
    json& records = page.at("Records");
    if (records.empty()) return false;

    std::vector<ReceivedWrite> writes;
    std::uint64_t ignored = 0, echoes = 0, rejected = 0;
    for (auto& record : records) {
        json& event = record["Data"];
        if (!is_thing_event(event)) {
            ++ignored;
            continue;
        }
        auto thing = read_thing_event(event);
        if (!thing.ok()) {
            ++rejected;
            log(LogLevel::warn, "bridge from " + options_.peer_url + ": " + thing.status().message());
            continue;
        }
        if (thing->source == store_.deployment_id()) {
            ++echoes;  // our own write coming back: the latch
            continue;
        }
        const std::int64_t distance = thing->hops + 1;
        // Events of another service (no dataset) are for listeners; a dataset write is replicated once it
        // carries its value as written, and not past max_hops bridges.
        if (thing->dataset.empty() || distance > options_.max_hops) {
            ++ignored;
            continue;
        }
        if (!thing->removed && !thing->raw_value) {
            ++rejected;
            continue;
        }
        ReceivedWrite w;
        w.event_id = thing->id;
        w.pool_id = thing->identity_pool_id;
        w.identity_id = thing->identity_id;
        w.dataset = thing->dataset;
        w.key = thing->thing_id;
        if (!thing->removed) w.value = thing->raw_value;
        w.origin = thing->source;
        w.version = thing->version;
        w.origin_seq = thing->origin_seq;
        w.device_last_modified_date = thing->timestamp;
        if (distance < options_.max_hops) {
            event["hops"] = distance;
            w.forward = NewStreamRecord{thing->identity_id, event.dump()};
        }
        writes.push_back(std::move(w));
    }
    std::uint64_t forwarded = 0;
    std::vector<bool> forwards;
    for (const auto& w : writes)
        forwards.push_back(w.forward.has_value());
    auto outcomes = store_.apply_received(
        name_, std::move(writes),
        {checkpoint_stream_, name_, page.at("LastSequenceNumber").get<std::int64_t>()}, clock_());
    if (!outcomes.ok()) return outcomes.status();
    for (std::size_t i = 0; i < outcomes->size(); ++i) {
        const auto& o = (*outcomes)[i];
        metrics_.count_processor_events(name_, apply_outcome_name(o.outcome));
        if (o.outcome == ApplyOutcome::applied && forwards[i]) ++forwarded;
        if (o.outcome == ApplyOutcome::rejected)
            log(LogLevel::warn, "bridge from " + options_.peer_url + ": event rejected: " + o.reason);
    }
    metrics_.count_processor_events(name_, "forwarded", forwarded);
    metrics_.count_processor_events(name_, "ignored", ignored);
    metrics_.count_processor_events(name_, "skipped_by_latch", echoes);
    metrics_.count_processor_events(name_, "rejected", rejected);
    return true;
}

}  // namespace synclatch::server
