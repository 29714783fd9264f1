// The trigger (DESIGN.md "The latch"; the cookbook's database-first recipe): turns each record of stream
// dataset-changes that this deployment's clients wrote (latch open) into a thing-* event on stream events.
// Received writes (latch closed) are skipped, which is what keeps bidirectional flows from looping.
#pragma once

#include <functional>
#include <string>

#include "processors/processor.hpp"
#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

// Thread-safety: step() runs on one thread at a time.
class TriggerProcessor final : public Processor {
  public:
    TriggerProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock);
    const std::string& name() const override { return name_; }
    Result<bool> step(std::int64_t lease) override;

  private:
    Storage& store_;
    Metrics& metrics_;
    std::function<EpochMillis()> clock_;
    const std::string name_ = "trigger";
};

}  // namespace synclatch::server
