// The processor loop.
#include "processors/processor_runner.hpp"

#include <algorithm>

#include "telemetry/log.hpp"

namespace synclatch::server {

ProcessorRunner::ProcessorRunner(std::unique_ptr<Processor> processor, std::chrono::milliseconds idle_poll)
    : processor_(std::move(processor)), idle_poll_(idle_poll), thread_([this] { run(); }) {}

ProcessorRunner::~ProcessorRunner() {
    stop();
}

void ProcessorRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool ProcessorRunner::pause(std::chrono::milliseconds how_long) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, how_long, [this] { return stopping_; });
}

void ProcessorRunner::run() {
    using std::chrono::milliseconds;
    const milliseconds first_backoff(100), max_backoff(5000);
    milliseconds backoff = first_backoff;
    bool failing = false;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        auto worked = processor_->step();
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
