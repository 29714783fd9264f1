// ProcessorRunner: runs one Processor on a thread of its own until stopped: steps while there is work,
// polls when idle, and backs off (with a log line) while steps fail.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "processors/processor.hpp"

namespace synclatch::server {

// Thread-safety: stop() and the destructor may be called from any one thread.
class ProcessorRunner {
  public:
    explicit ProcessorRunner(std::unique_ptr<Processor> processor,
                             std::chrono::milliseconds idle_poll = std::chrono::milliseconds(50));
    ~ProcessorRunner();  // stops
    ProcessorRunner(const ProcessorRunner&) = delete;
    ProcessorRunner& operator=(const ProcessorRunner&) = delete;

    // Ends the loop after the step in progress, and waits for it.
    void stop();

  private:
    void run();
    bool pause(std::chrono::milliseconds how_long);  // false once stopping

    std::unique_ptr<Processor> processor_;
    const std::chrono::milliseconds idle_poll_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: starts once the rest is ready
};

}  // namespace synclatch::server
