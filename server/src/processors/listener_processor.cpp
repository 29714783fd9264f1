// events -> the identity's "things" dataset, applied with the checkpoint in one transaction.
#include "processors/listener_processor.hpp"

#include <nlohmann/json.hpp>

#include "events/domain_event.hpp"
#include "synclatch/sync/protocol_json.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kBatch = 100;

}  // namespace

ListenerProcessor::ListenerProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock)
    : store_(store),
      metrics_(metrics),
      clock_(std::move(clock)),
      to_write_(event_to_write(store.deployment_id())) {}

EventToWrite ListenerProcessor::event_to_write(std::string deployment_id) {
    return [self = std::move(deployment_id)](json& event) -> std::variant<ReceivedWrite, std::string> {
        if (!is_thing_event(event)) return std::string("ignored");
        auto thing = read_thing_event(event);
        if (!thing.ok()) {
            log(LogLevel::warn, "listener: " + thing.status().message());
            return std::string("rejected");
        }
        if (thing->source == self) return std::string("skipped_by_latch");  // our own write, our trigger's
        if (thing->hops > 0) return std::string("ignored");  // a bridge's forward: replicated already
        ReceivedWrite w;
        w.event_id = thing->id;
        w.pool_id = thing->identity_pool_id;
        w.identity_id = thing->identity_id;
        w.dataset = kThingsDataset;
        w.key = thing->thing_id;
        if (!thing->removed) {
            json value = *thing->thing;
            value.erase("identityId");  // the dataset is the identity's own
            w.value = value.dump();
        }
        w.origin = thing->source;
        w.version = thing->version;
        w.origin_seq = thing->origin_seq;
        w.device_last_modified_date = thing->timestamp;
        return w;
    };
}

Result<bool> ListenerProcessor::step(std::int64_t lease) {
    auto after = store_.checkpoint("events", name_);
    if (!after.ok()) return after.status();
    auto records = store_.read_stream("events", *after, kBatch);
    if (!records.ok()) return records.status();
    if (records->empty()) return false;
    std::vector<json> events;
    events.reserve(records->size());
    for (const auto& record : *records)
        events.push_back(sync::parse_json_text(record.data, sync::kJsonPageLimits));
    auto counts = apply_events(store_, name_, events, to_write_,
                               Checkpoint{"events", name_, records->back().seq, lease}, clock_());
    if (!counts.ok()) return counts.status();
    count_outcomes(metrics_, name_, *counts);
    return true;
}

}  // namespace synclatch::server
