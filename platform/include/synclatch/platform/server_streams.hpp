// ServerStreams: the developer side of synclatch-server's event streams (docs/server.md "Event streams"):
// read a stream page by long-poll, post a domain event to `events`, and read the server's /metrics. For
// tools, services and demos that watch what the server emits; requests are SigV4-signed with the server's
// developer credentials (--admin-key), as the SDKs sign theirs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::platform {

// Thread-safety (StreamRecord, StreamPage): plain values.
struct StreamRecord {
    std::int64_t sequence_number = 0;
    std::string partition_key;
    std::string data;          // the record's Data: a JSON object, as text
    std::int64_t arrival = 0;  // ApproximateArrivalTimestamp: epoch milliseconds, server time
};

struct StreamPage {
    std::vector<StreamRecord> records;      // oldest first
    std::int64_t last_sequence_number = 0;  // read on after this; the `after` asked for when empty
};

// Thread-safety: every method may be called from several threads at once (each request signs with its own
// copy of the credentials). Every call blocks the calling thread for at most its deadline.
class ServerStreams {
  public:
    // invalid_argument for an endpoint the HTTP client cannot use.
    static Result<std::unique_ptr<ServerStreams>> open(const sync::Endpoint& endpoint,
                                                       sync::sigv4::Credentials developer,
                                                       const HttpClientOptions& http_options = {});
    ~ServerStreams();
    ServerStreams(const ServerStreams&) = delete;
    ServerStreams& operator=(const ServerStreams&) = delete;

    // The records of `stream` ("dataset-changes" or "events") after sequence number `after`, at most
    // `limit`. With wait > 0 the server holds the request up to that long (at most 20 s) until a record
    // arrives. Errors: unauthorized (wrong developer key), not_found (no such stream), invalid_argument
    // (an answer that is not a stream page), and the transport's (unavailable, timeout).
    Result<StreamPage> read(std::string_view stream, std::int64_t after, int limit = 100,
                            std::chrono::seconds wait = std::chrono::seconds(0));
    // Appends a domain event (a JSON object, as text) to `events`; returns its sequence number.
    Result<std::int64_t> post_event(std::string_view partition_key, std::string_view data);
    // The server's /metrics text (Prometheus exposition format).
    Result<std::string> metrics();

  private:
    struct Impl;
    explicit ServerStreams(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The value of one sample of a Prometheus text, e.g. metric_value(text,
// "synclatch_processor_events_total", {{"processor", "bridge"}, {"outcome", "applied"}}); 0 when absent.
double metric_value(std::string_view metrics_text, std::string_view name,
                    const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace synclatch::platform
