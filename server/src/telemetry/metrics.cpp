// Prometheus text rendering.
#include "telemetry/metrics.hpp"

#include <cstdio>

namespace synclatch::server {

namespace {
std::string number(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}
}  // namespace

void Metrics::record(std::string_view operation, unsigned status, std::chrono::nanoseconds latency) {
    const double seconds = std::chrono::duration<double>(latency).count();
    std::lock_guard lock(mutex_);
    auto counter = requests_.find(std::pair<std::string_view, unsigned>(operation, status));
    if (counter == requests_.end())
        counter = requests_.emplace(std::pair(std::string(operation), status), 0).first;
    ++counter->second;
    std::size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket])
        ++bucket;
    ++bucket_counts_[bucket];
    latency_sum_ += seconds;
    ++latency_count_;
}

void Metrics::count_processor_events(std::string_view processor, std::string_view outcome, std::uint64_t n) {
    if (n == 0) return;
    std::lock_guard lock(mutex_);
    processor_events_[{std::string(processor), std::string(outcome)}] += n;
}

void Metrics::count_throttled(std::string_view operation, std::string_view limit) {
    std::lock_guard lock(mutex_);
    ++throttled_[{std::string(operation), std::string(limit)}];
}

void Metrics::count_stream_records_dropped_unread(std::string_view stream, std::string_view group,
                                                  std::uint64_t n) {
    std::lock_guard lock(mutex_);
    dropped_unread_[{std::string(stream), std::string(group)}] += n;
}

void Metrics::set_stream_records_held(std::string_view stream, std::uint64_t n) {
    std::lock_guard lock(mutex_);
    held_.insert_or_assign(std::string(stream), n);
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
    std::lock_guard lock(mutex_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
    std::vector<Gauge> gauges;
    std::string out;
    {
        std::lock_guard lock(mutex_);
        gauges = gauges_;
        out += "# HELP synclatch_requests_total Requests answered, by operation and HTTP status.\n";
        out += "# TYPE synclatch_requests_total counter\n";
        for (const auto& [key, count] : requests_) {
            out += "synclatch_requests_total{operation=\"" + key.first + "\",status=\"" +
                   std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
        }
        out +=
            "# HELP synclatch_request_duration_seconds Time from a whole request received to its response.\n";
        out += "# TYPE synclatch_request_duration_seconds histogram\n";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= kBuckets.size(); ++i) {
            cumulative += bucket_counts_[i];
            const std::string le = i < kBuckets.size() ? number(kBuckets[i]) : "+Inf";
            out += "synclatch_request_duration_seconds_bucket{le=\"" + le + "\"} " +
                   std::to_string(cumulative) + "\n";
        }
        out += "synclatch_request_duration_seconds_sum " + number(latency_sum_) + "\n";
        out += "synclatch_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";
        if (!processor_events_.empty()) {
            out += "# HELP synclatch_processor_events_total Events stream processors handled, by outcome.\n";
            out += "# TYPE synclatch_processor_events_total counter\n";
            for (const auto& [key, count] : processor_events_) {
                out += "synclatch_processor_events_total{processor=\"" + key.first + "\",outcome=\"" +
                       key.second + "\"} " + std::to_string(count) + "\n";
            }
        }
        if (!throttled_.empty()) {
            out += "# HELP synclatch_throttled_requests_total Requests refused by a rate limit, by limit.\n";
            out += "# TYPE synclatch_throttled_requests_total counter\n";
            for (const auto& [key, count] : throttled_) {
                out += "synclatch_throttled_requests_total{operation=\"" + key.first + "\",limit=\"" +
                       key.second + "\"} " + std::to_string(count) + "\n";
            }
        }
        if (!dropped_unread_.empty()) {
            out +=
                "# HELP synclatch_stream_records_dropped_unread_total Stream records the retention hard cap "
                "dropped before a consumer group read them.\n";
            out += "# TYPE synclatch_stream_records_dropped_unread_total counter\n";
            for (const auto& [key, count] : dropped_unread_) {
                out += "synclatch_stream_records_dropped_unread_total{stream=\"" + key.first + "\",group=\"" +
                       key.second + "\"} " + std::to_string(count) + "\n";
            }
        }
        if (!held_.empty()) {
            out +=
                "# HELP synclatch_stream_records_held Stream records past the retention limits kept because "
                "a registered consumer has not read them.\n";
            out += "# TYPE synclatch_stream_records_held gauge\n";
            for (const auto& [stream, count] : held_)
                out += "synclatch_stream_records_held{stream=\"" + stream + "\"} " + std::to_string(count) +
                       "\n";
        }
    }
    for (const auto& gauge : gauges) {  // read outside the lock: a gauge may query the database
        out += "# HELP " + gauge.name + " " + gauge.help + "\n# TYPE " + gauge.name + " gauge\n";
        out += gauge.name + " " + number(gauge.read()) + "\n";
    }
    return out;
}

}  // namespace synclatch::server
