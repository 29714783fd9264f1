// StreamRetention: one pass of stream retention (StreamStorage::prune_streams) and what the operator is
// told of it: records kept for a consumer that is behind (a gauge, and a log line when it starts and then
// hourly), and records the hard cap dropped before a consumer read them (a counter and a warning each time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "store/stream_storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

struct RetentionOptions {
    long hours = 24 * 7;       // soft: 0 keeps records of any age
    long records = 1'000'000;  // soft, per stream: 0 means no count limit
    long hard_records = 0;     // hard cap per stream: 0 means none
};

// Thread-safety: one pass at a time (the server runs it on one timer).
class StreamRetention {
  public:
    StreamRetention(StreamStorage& store, Metrics& metrics, RetentionOptions options,
                    std::function<EpochMillis()> clock);

    void run_pass();

  private:
    StreamStorage& store_;
    Metrics& metrics_;
    RetentionOptions options_;
    std::function<EpochMillis()> clock_;
    // Per stream: the group it was last said to wait for, and when.
    std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> told_held_;
};

}  // namespace synclatch::server
