// ChangeDispatcher: delivers committed changes to subscribers one at a time, in commit order, without
// holding the store's write lock, so that a callback may itself write to the store.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "synclatch/core/record.hpp"

namespace synclatch::core::detail {

struct Subscriber {
    std::string dataset;
    std::function<void(const Change&)> callback;
    std::atomic<bool> active{true};
};

// Thread-safety: all methods may be called concurrently.
class ChangeDispatcher {
  public:
    void add(std::shared_ptr<Subscriber> subscriber);
    void remove(const Subscriber* subscriber);
    // Cheap check so writers build Change objects only when someone listens.
    bool has_subscribers() const noexcept { return subscriber_count_.load(std::memory_order_acquire) > 0; }

    // Called by a writer while it still holds the write lock, so the queue is in commit order.
    void enqueue(std::vector<Change> changes);
    // Called by a writer after releasing the write lock. The first thread in becomes the deliverer and
    // drains the queue (including changes other threads enqueue meanwhile); any other thread, and a
    // callback that writes, returns at once and leaves its changes to that deliverer.
    void deliver();

  private:
    std::mutex mutex_;
    std::deque<Change> queue_;
    bool delivering_ = false;
    std::vector<std::shared_ptr<Subscriber>> subscribers_;
    std::atomic<std::size_t> subscriber_count_{0};
};

}  // namespace synclatch::core::detail
