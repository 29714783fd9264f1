// The processor loop, and the lease it steps under.
#include "processors/processor_runner.hpp"

#include <algorithm>

#include "telemetry/log.hpp"

namespace synclatch::server {

ProcessorRunner::ProcessorRunner(StreamStorage& store, std::unique_ptr<Processor> processor,
                                 std::chrono::milliseconds lease_ttl, std::chrono::milliseconds idle_poll)
    : store_(store),
      processor_(std::move(processor)),
      lease_ttl_(lease_ttl),
      idle_poll_(idle_poll),
      keeper_([this] { keep_lease(); }),
      thread_([this] { run(); }) {}

ProcessorRunner::~ProcessorRunner() {
    stop();
}

void ProcessorRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    const bool running = thread_.joinable();
    if (running) thread_.join();
    if (keeper_.joinable()) keeper_.join();
    // No step runs any more: a standby server may lead at once instead of waiting for the lease to lapse.
    if (running && lease_.exchange(0) != 0) {
        if (Status released = store_.release_lease(processor_->name()); !released)
            log(LogLevel::warn,
                "processor " + processor_->name() +
                    ": its lease was not given back (another server leads when it runs out): " +
                    released.to_string());
    }
}

std::chrono::milliseconds ProcessorRunner::standby_poll(std::chrono::milliseconds lease_ttl) {
    return std::min(lease_ttl / 5, std::chrono::milliseconds(1000));
}

bool ProcessorRunner::pause(std::chrono::milliseconds how_long) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, how_long, [this] { return stopping_; });
}

void ProcessorRunner::keep_lease() {
    const std::string& name = processor_->name();
    bool failing = false;
    for (;;) {
        auto taken = store_.take_lease(name, lease_ttl_);
        const std::int64_t before = lease_.load();
        if (!taken.ok()) {
            // The lease runs out by itself if this goes on; the step thread's writes are fenced then.
            if (!failing)
                log(LogLevel::warn,
                    "processor " + name + ": cannot renew its lease: " + taken.status().to_string());
            failing = true;
        } else {
            failing = false;
            const std::int64_t now_leading = taken->value_or(0);
            lease_.store(now_leading);
            if (now_leading != 0 && before == 0) {
                log(LogLevel::debug, "processor " + name + ": runs on this server (lease " +
                                         std::to_string(now_leading) + ")");
                wake_.notify_all();
            } else if (now_leading == 0 && before != 0) {
                log(LogLevel::info, "processor " + name + ": another server runs it now");
            }
        }
        if (!pause(lease_.load() != 0 ? lease_ttl_ / 5 : standby_poll(lease_ttl_))) return;
    }
}

void ProcessorRunner::run() {
    using std::chrono::milliseconds;
    const milliseconds first_backoff(100), max_backoff(5000);
    milliseconds backoff = first_backoff;
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || lease_.load() != 0; });
            if (stopping_) return;
        }
        auto worked = processor_->step(lease_.load());
        if (!worked.ok()) {
            // One line per failure streak, not one per retry; the retry reads the same batch again.
            if (!failing)
                log(LogLevel::warn, "processor " + processor_->name() + ": " + worked.status().to_string() +
                                        " (retrying with backoff)");
            failing = true;
            if (!pause(backoff)) return;
            backoff = std::min(backoff * 2, max_backoff);
            continue;
        }
        if (failing) log(LogLevel::info, "processor " + processor_->name() + ": working again");
        failing = false;
        backoff = first_backoff;
        if (!*worked && !pause(idle_poll_)) return;
    }
}

}  // namespace synclatch::server
