// dataset-changes -> events (thing-* per record written, dataset-deleted per DeleteDataset), published with
// the checkpoint in one transaction.
#include "processors/trigger_processor.hpp"

#include <nlohmann/json.hpp>

#include "events/domain_event.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {
constexpr std::int64_t kBatch = 100;
}

TriggerProcessor::TriggerProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

Result<bool> TriggerProcessor::step(std::int64_t lease) {
    auto after = store_.checkpoint("dataset-changes", name_);
    if (!after.ok()) return after.status();
    auto changes = store_.read_stream("dataset-changes", *after, kBatch);
    if (!changes.ok()) return changes.status();
    if (changes->empty()) return false;

    std::vector<NewStreamRecord> events;
    std::uint64_t skipped = 0, rejected = 0;
    for (const auto& change : *changes) {
        // Only this server's store writes this stream; a record it cannot read is counted, not fatal.
        try {
            const json parsed = sync::parse_json_text(change.data, sync::kJsonPageLimits);
            if (parsed.value("operation", "") == "delete") {  // a DeleteDataset, for bridges
                if (auto event = dataset_deleted_event(parsed)) {
                    events.push_back({parsed.value("identityId", ""), event->dump()});
                } else {
                    ++skipped;
                }
                continue;
            }
            for (const auto& record : parsed.at("kinesisSyncRecords")) {
                auto event = thing_event(parsed, record);
                if (!event) {
                    ++skipped;
                    continue;
                }
                events.push_back({parsed.value("identityId", ""), event->dump()});
            }
        } catch (const json::exception&) {
            ++rejected;
        }
    }
    if (Status s = store_.publish("events", events, {"dataset-changes", name_, changes->back().seq, lease},
                                  clock_());
        !s.ok())
        return s;
    metrics_.count_processor_events(name_, "published", events.size());
    metrics_.count_processor_events(name_, "skipped_by_latch", skipped);
    metrics_.count_processor_events(name_, "rejected", rejected);
    return true;
}

}  // namespace synclatch::server
