// ProcessorRunner: runs one Processor on a thread of its own until stopped, on one server of the database at
// a time: a second thread keeps the processor's lease (StreamStorage::take_lease), renewing it while this
// server leads and asking again while another one does; the processor steps only while the lease is
// this server's. It steps while there is work, polls when idle, and backs off (with a log line) while
// steps fail.
//
// Takeover: a lease runs lease_ttl (--leader-lease-seconds) and is renewed every fifth of it, so when the
// leading server dies, another leads within lease_ttl + standby_poll() (docs/server.md); one that stops
// gives its lease back, and another leads within standby_poll(). A leader that cannot renew in time (a
// stalled process, a lost database) is fenced: its checkpoints carry a token that is no longer current.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "processors/processor.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// Thread-safety: stop() and the destructor may be called from any one thread.
class ProcessorRunner {
  public:
    static constexpr std::chrono::milliseconds kDefaultLeaseTtl{10'000};

    ProcessorRunner(StreamStorage& store, std::unique_ptr<Processor> processor,
                    std::chrono::milliseconds lease_ttl = kDefaultLeaseTtl,
                    std::chrono::milliseconds idle_poll = std::chrono::milliseconds(50));
    ~ProcessorRunner();  // stops
    ProcessorRunner(const ProcessorRunner&) = delete;
    ProcessorRunner& operator=(const ProcessorRunner&) = delete;

    // Ends the loop after the step in progress, waits for it, and gives the lease back.
    void stop();

    // How often a server that does not lead asks for the lease: at most a fifth of the lease, at most 1 s.
    static std::chrono::milliseconds standby_poll(std::chrono::milliseconds lease_ttl);

  private:
    void run();
    void keep_lease();
    bool pause(std::chrono::milliseconds how_long);  // false once stopping

    StreamStorage& store_;
    std::unique_ptr<Processor> processor_;
    const std::chrono::milliseconds lease_ttl_;
    const std::chrono::milliseconds idle_poll_;
    std::atomic<std::int64_t> lease_{0};  // this server's token while it leads, else 0
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread keeper_;     // last: they start once the rest is ready
    std::thread thread_;
};

}  // namespace synclatch::server
