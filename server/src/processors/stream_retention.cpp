// One retention pass, then the log lines and metrics that say what it kept and what it lost.
#include "processors/stream_retention.hpp"

#include <set>
#include <utility>

#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {
constexpr auto kRetellHeldEvery = std::chrono::hours(1);
}

StreamRetention::StreamRetention(StreamStorage& store, Metrics& metrics, RetentionOptions options,
                                 std::function<EpochMillis()> clock)
    : store_(store), metrics_(metrics), options_(options), clock_(std::move(clock)) {}

void StreamRetention::run_pass() {
    RetentionLimits limits;
    const EpochMillis age = static_cast<EpochMillis>(options_.hours) * 3600 * 1000;
    limits.oldest_kept = age > 0 ? clock_() - age : 0;
    limits.max_per_stream = options_.records;
    limits.hard_max_per_stream = options_.hard_records;
    auto pass = store_.prune_streams(limits);
    if (!pass.ok()) {
        log(LogLevel::warn, "stream retention: " + pass.status().to_string());
        return;
    }
    if (pass->dropped > 0) log(LogLevel::info, "stream retention dropped " + std::to_string(pass->dropped));
    for (const auto& lost : pass->unread) {
        metrics_.count_stream_records_dropped_unread(lost.stream, lost.group,
                                                     static_cast<std::uint64_t>(lost.records));
        log(LogLevel::warn, "stream retention: the hard cap (--stream-retention-hard-records " +
                                std::to_string(options_.hard_records) + ") dropped " +
                                std::to_string(lost.records) + " records of '" + lost.stream +
                                "' that consumer group '" + lost.group + "' had not read (its checkpoint " +
                                std::to_string(lost.checkpoint) + "; the stream's records up to " +
                                std::to_string(lost.through_seq) + " are gone)");
    }
    const auto now = std::chrono::steady_clock::now();
    std::set<std::string> holding;
    for (const auto& held : pass->held) {
        holding.insert(held.stream);
        metrics_.set_stream_records_held(held.stream, static_cast<std::uint64_t>(held.records));
        auto told = told_held_.find(held.stream);
        if (told != told_held_.end() && told->second.first == held.group &&
            now - told->second.second < kRetellHeldEvery)
            continue;
        told_held_.insert_or_assign(held.stream, std::pair{held.group, now});
        log(LogLevel::info, "stream retention: '" + held.stream + "' keeps " + std::to_string(held.records) +
                                " records past its limits until consumer group '" + held.group + "' (at " +
                                std::to_string(held.checkpoint) +
                                ") reads them; remove a consumer that is gone for good with DELETE "
                                "/streams/{stream}/consumers/{group}");
    }
    for (auto it = told_held_.begin(); it != told_held_.end();) {
        if (holding.contains(it->first)) {
            ++it;
            continue;
        }
        metrics_.set_stream_records_held(it->first, 0);
        it = told_held_.erase(it);
    }
}

}  // namespace synclatch::server
