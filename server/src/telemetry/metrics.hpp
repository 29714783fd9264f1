// Metrics: request counters by operation and status, a latency histogram, and gauges read at scrape time,
// rendered in the Prometheus text exposition format for GET /metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace synclatch::server {

// Thread-safety: record() and render() may run on any threads concurrently.
class Metrics {
  public:
    // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
    static constexpr std::array<double, 9> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.05,   0.1,   0.5,    2.5};

    void record(std::string_view operation, unsigned status, std::chrono::nanoseconds latency);

    // Events a stream processor handled, by outcome (published, applied, skipped_by_latch, duplicate, ...).
    void count_processor_events(std::string_view processor, std::string_view outcome, std::uint64_t n = 1);

    // A request refused by a rate limit (limit: "address" or "global"), on top of its requests_total count.
    void count_throttled(std::string_view operation, std::string_view limit);

    // Stream retention: records the hard cap dropped before a consumer group read them (a counter), and
    // the records past the soft limits a stream keeps for its slowest consumer (a gauge, set each pass).
    void count_stream_records_dropped_unread(std::string_view stream, std::string_view group,
                                             std::uint64_t n);
    void set_stream_records_held(std::string_view stream, std::uint64_t n);

    // A gauge whose value is read when metrics are rendered (open connections, records, events).
    void add_gauge(std::string name, std::string help, std::function<double()> read);

    std::string render() const;

  private:
    // Looks keys up by (string_view, status): counting a request allocates nothing.
    struct KeyLess {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::string_view, unsigned>(a.first, a.second) <
                   std::pair<std::string_view, unsigned>(b.first, b.second);
        }
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, unsigned>, std::uint64_t, KeyLess> requests_;  // guarded by mutex_
    std::array<std::uint64_t, kBuckets.size() + 1> bucket_counts_{};               // guarded by mutex_
    double latency_sum_ = 0;                                                       // guarded by mutex_
    std::uint64_t latency_count_ = 0;                                              // guarded by mutex_
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };
    std::vector<Gauge> gauges_;  // guarded by mutex_
    std::map<std::pair<std::string, std::string>, std::uint64_t, std::less<>> processor_events_;  // guarded
                                                                                                  // by mutex_
    // Rate-limited requests by (operation, limit); guarded by mutex_.
    std::map<std::pair<std::string, std::string>, std::uint64_t, std::less<>> throttled_;
    // By (stream, group), and by stream; guarded by mutex_.
    std::map<std::pair<std::string, std::string>, std::uint64_t, std::less<>> dropped_unread_;
    std::map<std::string, std::uint64_t, std::less<>> held_;
};

}  // namespace synclatch::server
