// Applying a batch of received events: the part the listener and the bridge share. Each turns an event into
// a received write or an outcome of its own (ignored, skipped_by_latch, rejected); the writes are applied in
// one transaction, with the consumer's checkpoint when there is one (a replay moves none), and every
// event's outcome is counted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

// Events by outcome: applied, duplicate, stale, rejected, ignored, skipped_by_latch, forwarded.
using OutcomeCounts = std::map<std::string, std::uint64_t, std::less<>>;

// A received write, or the name of the outcome the event ends with instead.
using EventToWrite = std::function<std::variant<ReceivedWrite, std::string>(nlohmann::json& event)>;

Result<OutcomeCounts> apply_events(Storage& store, std::string_view processor,
                                   std::vector<nlohmann::json>& events, const EventToWrite& to_write,
                                   const std::optional<Checkpoint>& done, EpochMillis now);

// Adds counts to the processor's metrics.
void count_outcomes(Metrics& metrics, std::string_view processor, const OutcomeCounts& counts);

}  // namespace synclatch::server
