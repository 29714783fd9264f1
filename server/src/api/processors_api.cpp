// POST /processors/{name}/replay.
#include "api/processors_api.hpp"

#include <nlohmann/json.hpp>

#include "http/error_response.hpp"
#include "processors/bridge_processor.hpp"
#include "processors/listener_processor.hpp"
#include "processors/received_events.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;
using json = nlohmann::json;

ProcessorsApi::ProcessorsApi(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

HttpResponse ProcessorsApi::handle(const HttpRequest& request, const RequestTarget& target,
                                   const Principal& principal) const {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto fail = [&](const Status& status) { return error_response(status, version, keep_alive); };

    if (!principal.may_act_on_pools())
        return fail({Errc::unauthorized, "replays need the developer credentials"});
    const auto& s = target.segments;
    if (s.size() != 3 || s[2] != "replay" || request.method() != http::verb::post)
        return fail({Errc::not_found, "no operation " + std::string(request.method_string()) + " " +
                                          target.raw_path +
                                          "; replays are POST /processors/{listener|bridge}/replay"});
    EventToWrite to_write;
    if (s[1] == "listener") to_write = ListenerProcessor::event_to_write(store_.deployment_id());
    if (s[1] == "bridge") to_write = BridgeProcessor::event_to_write(store_.deployment_id(), 1);
    if (!to_write)
        return fail({Errc::not_found, "no processor '" + s[1] + "'; replays go to listener or bridge"});

    auto body = sync::parse_json_body(request.body());
    if (!body.ok()) return fail(body.status());
    if (!body->is_object() || !body->contains("Records") || !body->at("Records").is_array())
        return fail({Errc::invalid_argument, "Records is required: an array of {\"Data\": {...}}"});
    json& records = body->at("Records");
    if (records.size() > kMaxReplayRecords)
        return fail(
            {Errc::limit_exceeded, "at most " + std::to_string(kMaxReplayRecords) + " records per replay"});
    std::vector<json> events;
    events.reserve(records.size());
    for (auto& record : records) {
        if (!record.is_object() || !record.contains("Data"))
            return fail({Errc::invalid_argument, "each record needs Data"});
        events.push_back(std::move(record.at("Data")));
    }
    auto counts = apply_events(store_, s[1], events, to_write, std::nullopt, clock_());
    if (!counts.ok()) return fail(counts.status());
    count_outcomes(metrics_, s[1], *counts);
    json outcomes = json::object();
    for (const auto& [outcome, n] : *counts)
        outcomes[outcome] = n;
    return json_response(json{{"Outcomes", std::move(outcomes)}}.dump(), version, keep_alive);
}

}  // namespace synclatch::server
