// A stream processor (DESIGN.md "The latch"): it consumes one stream from a durable checkpoint, a batch at a
// time, and commits each batch's effects together with the new checkpoint, so a crash replays at most the
// batch in flight and its effects are never doubled (at-least-once delivery, applied once).
#pragma once

#include <cstdint>
#include <string>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

class Processor {
  public:
    virtual ~Processor() = default;
    // Its consumer group and metrics label.
    virtual const std::string& name() const = 0;
    // Processes the next batch; false when there was nothing to do. Runs on the processor's own thread, on
    // the one server of the database that holds the processor's lease: lease is its token, which every
    // checkpoint the step writes carries (Checkpoint::lease), so that a server that lost the lease
    // mid-step writes nothing.
    virtual Result<bool> step(std::int64_t lease) = 0;
};

}  // namespace synclatch::server
