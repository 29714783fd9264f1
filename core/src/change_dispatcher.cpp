// Ordered, re-entrant delivery of change notifications.
#include "change_dispatcher.hpp"

#include <algorithm>

namespace synclatch::core::detail {

void ChangeDispatcher::add(std::shared_ptr<Subscriber> subscriber) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(subscriber));
    subscriber_count_.store(subscribers_.size(), std::memory_order_release);
}

void ChangeDispatcher::remove(const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [&](const auto& s) { return s.get() == subscriber; });
    subscriber_count_.store(subscribers_.size(), std::memory_order_release);
}

void ChangeDispatcher::enqueue(std::vector<Change> changes) {
    if (changes.empty()) return;
    std::lock_guard lock(mutex_);
    for (auto& change : changes)
        queue_.push_back(std::move(change));
}

void ChangeDispatcher::deliver() {
    {
        std::lock_guard lock(mutex_);
        if (delivering_) return;
        delivering_ = true;
    }
    for (;;) {
        Change change;
        std::vector<std::shared_ptr<Subscriber>> targets;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                delivering_ = false;
                return;
            }
            change = std::move(queue_.front());
            queue_.pop_front();
            for (const auto& s : subscribers_) {
                if (s->dataset == change.dataset) targets.push_back(s);
            }
        }
        for (const auto& target : targets) {
            if (!target->active.load(std::memory_order_acquire)) continue;
            try {
                target->callback(change);
            } catch (...) {
                // A throwing callback must not stop delivery to the others nor unwind into a writer
                // whose transaction has already committed.
            }
        }
    }
}

}  // namespace synclatch::core::detail
