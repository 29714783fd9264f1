// Replaying events into a processor (the data lake's way back in; `synclatch replay` uses it):
//
//   POST /processors/{listener|bridge}/replay   {"Records": [{"Data": {...}}, ...]}   (at most 1000)
//     -> {"Outcomes": {"applied": n, "duplicate": n, "stale": n, ...}}
//
// The events go through the processor's own rules (latch, duplicates by event id, version order), whether
// or not it runs in this deployment, and move no checkpoint. The bridge's rules apply with max-hops 1:
// nothing replayed is forwarded. Only the developer may replay.
#pragma once

#include <functional>

#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "http/request_target.hpp"
#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

inline constexpr std::size_t kMaxReplayRecords = 1000;

// Thread-safety: handle() may run on several threads at once.
class ProcessorsApi {
  public:
    ProcessorsApi(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock);

    static bool owns(const RequestTarget& target) {
        return !target.segments.empty() && target.segments[0] == "processors";
    }
    HttpResponse handle(const HttpRequest& request, const RequestTarget& target,
                        const Principal& principal) const;

  private:
    Storage& store_;
    Metrics& metrics_;
    std::function<EpochMillis()> clock_;
};

}  // namespace synclatch::server
