// The event streams over HTTP: stream "dataset-changes" (one Cognito Streams record per UpdateRecords,
// written by the server's outbox) and stream "events" (domain events that services post). Reading
// supports long-poll; consumer groups keep durable checkpoints. Only the developer may use them.
//
//   GET  /streams/{name}/records?after=SEQ&limit=N&wait=SECONDS
//   POST /streams/events/records                 {"PartitionKey": "...", "Data": {...}}
//   GET  /streams/{name}/consumers/{group}       -> {"SequenceNumber": n}
//   PUT  /streams/{name}/consumers/{group}       {"SequenceNumber": n}
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "http/request_target.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

inline constexpr std::string_view kDatasetChanges = "dataset-changes";
inline constexpr std::string_view kEvents = "events";
inline constexpr std::int64_t kMaxStreamReadLimit = 1000;
// A page of records ends once it holds this much data (it always holds one record), so a page's answer
// stays small whatever limit a reader asks for.
inline constexpr std::size_t kMaxStreamPageBytes = 1024 * 1024;
// How often a waiting reader (long-poll, WebSocket subscription) looks for new records.
inline constexpr std::chrono::milliseconds kStreamPollInterval{50};

// dataset-changes or events.
bool is_stream_name(std::string_view name);
// One record as the streams API shows it: {"SequenceNumber", "PartitionKey", "Data",
// "ApproximateArrivalTimestamp"}.
nlohmann::json stream_record_json(const StreamRecord& record);
inline constexpr std::int64_t kMaxStreamWaitSeconds = 20;

// Thread-safety: handle() may run on several threads at once.
class StreamsApi {
  public:
    StreamsApi(StreamStorage& store, std::function<EpochMillis()> clock);

    static bool owns(const RequestTarget& target) {
        return !target.segments.empty() && target.segments[0] == "streams";
    }

    // Answers a streams request. A read with wait > 0 and nothing to return polls until records arrive
    // or the wait ends, suspending the coroutine (not a thread) between polls.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, const RequestTarget& target,
                                                const Principal& principal) const;

  private:
    StreamStorage& store_;
    std::function<EpochMillis()> clock_;
};

}  // namespace synclatch::server
