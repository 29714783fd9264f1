// Long-poll loop: each answer holds the records after `after` (or none when `wait` ran out); the next
// request starts from LastSequenceNumber. Requests are SigV4-signed like the SDKs' requests.
#include "stream_follow.hpp"

#include <nlohmann/json.hpp>

#include "synclatch/platform/server_streams.hpp"

namespace synclatch::cli {

namespace {

constexpr std::chrono::seconds kWait{20};  // the server's longest long-poll

}  // namespace

Status follow_stream(const FollowOptions& options, Output& output) {
    auto streams = platform::ServerStreams::open(options.endpoint, options.credentials);
    if (!streams.ok()) return streams.status();
    std::int64_t after = options.after;
    std::int64_t printed = 0;
    for (;;) {
        auto page =
            (*streams)->read(options.stream, after, 100, options.follow ? kWait : std::chrono::seconds(0));
        if (!page.ok()) return page.status();
        for (const auto& record : page->records) {
            const nlohmann::json data = nlohmann::json::parse(record.data, nullptr, false);
            const nlohmann::json line = {{"SequenceNumber", record.sequence_number},
                                         {"PartitionKey", record.partition_key},
                                         {"Data", data},
                                         {"ApproximateArrivalTimestamp", record.arrival}};
            output.result(line, std::to_string(record.sequence_number) + "  " + record.partition_key + "  " +
                                    data.dump());
            if (options.count && ++printed >= *options.count) return {};
        }
        after = std::max(after, page->last_sequence_number);
        if (!options.follow && page->records.empty()) return {};
    }
}

}  // namespace synclatch::cli
