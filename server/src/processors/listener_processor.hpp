// The listener (DESIGN.md "The latch"; the cookbook's materialized-view recipe): writes each thing-* event
// of stream events that names an identity into that identity's "things" dataset (key: the thing's id,
// value: the thing as JSON), as a received write with the latch closed, its origin the event's source.
// Events from this deployment itself are its own echoes and are skipped; so are events a bridge forwarded
// (hops > 0: their dataset write was replicated already). Duplicates and stale versions change nothing.
#pragma once

#include <functional>
#include <string>

#include "processors/processor.hpp"
#include "processors/received_events.hpp"
#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

inline constexpr const char* kThingsDataset = "things";

// Thread-safety: step() runs on one thread at a time.
class ListenerProcessor final : public Processor {
  public:
    ListenerProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock);
    const std::string& name() const override { return name_; }
    Result<bool> step(std::int64_t lease) override;

    // How the listener reads an event (also used to replay events into it).
    static EventToWrite event_to_write(std::string deployment_id);

  private:
    Storage& store_;
    Metrics& metrics_;
    std::function<EpochMillis()> clock_;
    EventToWrite to_write_;
    const std::string name_ = "listener";
};

}  // namespace synclatch::server
