// events -> the identity's "things" dataset, applied with the checkpoint in one transaction.
#include "listener_processor.hpp"

#include <nlohmann/json.hpp>

#include "domain_event.hpp"
#include "log.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kBatch = 100;

}  // namespace

ListenerProcessor::ListenerProcessor(SyncStore& store, Metrics& metrics, std::function<EpochMillis()> clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

Result<bool> ListenerProcessor::step() {
    auto after = store_.checkpoint("events", name_);
    if (!after.ok()) return after.status();
    auto events = store_.read_stream("events", *after, kBatch);
    if (!events.ok()) return events.status();
    if (events->empty()) return false;

    std::vector<ReceivedWrite> writes;
    std::uint64_t ignored = 0, echoes = 0, rejected = 0;
    for (const auto& record : *events) {
        json event = json::parse(record.data, nullptr, false);
        if (!is_thing_event(event)) {
            ++ignored;
            continue;
        }
        auto thing = read_thing_event(event);
        if (!thing.ok()) {
            ++rejected;
            log(LogLevel::warn,
                "listener: event " + std::to_string(record.seq) + ": " + thing.status().message());
            continue;
        }
        if (thing->source == store_.deployment_id()) {
            ++echoes;  // our own write, published by our trigger: the latch
            continue;
        }
        if (thing->hops > 0) {
            ++ignored;
            continue;
        }
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
        writes.push_back(std::move(w));
    }
    auto outcomes =
        store_.apply_received(name_, std::move(writes), {"events", name_, events->back().seq}, clock_());
    if (!outcomes.ok()) return outcomes.status();
    for (const auto& o : *outcomes) {
        metrics_.count_processor_events(name_, apply_outcome_name(o.outcome));
        if (o.outcome == ApplyOutcome::rejected) log(LogLevel::warn, "listener: event rejected: " + o.reason);
    }
    metrics_.count_processor_events(name_, "ignored", ignored);
    metrics_.count_processor_events(name_, "skipped_by_latch", echoes);
    metrics_.count_processor_events(name_, "rejected", rejected);
    return true;
}

}  // namespace synclatch::server
