// The shared apply loop of the listener and the bridge.
#include "processors/received_events.hpp"

#include <nlohmann/json.hpp>

#include "telemetry/log.hpp"

namespace synclatch::server {

Result<OutcomeCounts> apply_events(Storage& store, std::string_view processor,
                                   std::vector<nlohmann::json>& events, const EventToWrite& to_write,
                                   const std::optional<Checkpoint>& done, EpochMillis now) {
    OutcomeCounts counts;
    std::vector<ReceivedWrite> writes;
    for (auto& event : events) {
        auto converted = to_write(event);
        if (auto* outcome = std::get_if<std::string>(&converted)) {
            ++counts[*outcome];
            continue;
        }
        writes.push_back(std::move(std::get<ReceivedWrite>(converted)));
    }
    std::vector<bool> forwards;
    for (const auto& w : writes)
        forwards.push_back(w.forward.has_value());
    auto outcomes = store.apply_received(processor, std::move(writes), done, now);
    if (!outcomes.ok()) return outcomes.status();
    for (std::size_t i = 0; i < outcomes->size(); ++i) {
        const auto& o = (*outcomes)[i];
        ++counts[apply_outcome_name(o.outcome)];
        if (o.outcome == ApplyOutcome::applied && forwards[i]) ++counts["forwarded"];
        if (o.outcome == ApplyOutcome::rejected)
            log(LogLevel::warn, std::string(processor) + ": event rejected: " + o.reason);
    }
    return counts;
}

void count_outcomes(Metrics& metrics, std::string_view processor, const OutcomeCounts& counts) {
    for (const auto& [outcome, n] : counts)
        metrics.count_processor_events(processor, outcome, n);
}

}  // namespace synclatch::server
