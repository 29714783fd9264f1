// The bulk publish worker: one pool at a time, a batch of datasets per transaction.
#include "processors/bulk_publisher.hpp"

#include "telemetry/log.hpp"

namespace synclatch::server {

BulkPublisher::BulkPublisher(PoolStorage& store, std::function<EpochMillis()> clock)
    : store_(store), clock_(std::move(clock)) {
    if (Status s = store_.fail_interrupted_bulk_publishes(clock_()); !s.ok())
        log(LogLevel::warn, "cannot mark interrupted bulk publishes as failed: " + s.to_string());
    thread_ = std::thread([this] { run(); });
}

BulkPublisher::~BulkPublisher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    // Those still queued never started: they end as the interrupted ones do.
    if (Status s = store_.fail_interrupted_bulk_publishes(clock_()); !s.ok())
        log(LogLevel::warn, "cannot mark unfinished bulk publishes as failed: " + s.to_string());
}

Result<BulkPublishStart> BulkPublisher::start(const std::string& pool_id) {
    auto started = store_.begin_bulk_publish(pool_id, clock_());
    if (!started.ok() || *started != BulkPublishStart::started) return started;
    {
        std::lock_guard lock(mutex_);
        pools_.push_back(pool_id);
    }
    wake_.notify_one();
    return started;
}

void BulkPublisher::run() {
    for (;;) {
        std::string pool;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !pools_.empty(); });
            if (stopping_) return;
            pool = std::move(pools_.front());
            pools_.pop_front();
        }
        const Status outcome = publish(pool);
        if (Status s = store_.finish_bulk_publish(pool, outcome, clock_()); !s.ok())
            log(LogLevel::warn, "cannot record the end of bulk publish of " + pool + ": " + s.to_string());
        log(outcome.ok() ? LogLevel::info : LogLevel::warn,
            "bulk publish of " + pool + (outcome.ok() ? " succeeded" : " failed: " + outcome.to_string()));
    }
}

Status BulkPublisher::publish(const std::string& pool_id) {
    std::optional<DatasetKey> position;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return {Errc::cancelled, "interrupted: the server stopped before it finished"};
        }
        auto last = store_.publish_datasets(pool_id, position, kDatasetsPerTransaction, clock_());
        if (!last.ok()) return last.status();
        if (!*last) return {};
        position = std::move(*last);
    }
}

}  // namespace synclatch::server
