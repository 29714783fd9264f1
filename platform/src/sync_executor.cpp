// The sync thread's loop: sleep until the earliest task is due (or a new one arrives), run it unlocked.
#include "sync_executor.hpp"

namespace synclatch::platform::detail {

SyncExecutor::SyncExecutor() : thread_([this] { run(); }) {}

SyncExecutor::~SyncExecutor() {
    stop();
}

SyncExecutor::TaskId SyncExecutor::post_at(Clock::time_point due, std::function<void()> task) {
    std::lock_guard lock(mutex_);
    if (stopping_) return 0;
    const TaskId id = next_id_++;
    queue_.emplace(std::pair{due, id}, std::move(task));
    due_of_.emplace(id, due);
    wake_.notify_one();
    return id;
}

bool SyncExecutor::cancel(TaskId id) {
    std::lock_guard lock(mutex_);
    auto found = due_of_.find(id);
    if (found == due_of_.end()) return false;
    queue_.erase(std::pair{found->second, id});
    due_of_.erase(found);
    return true;
}

void SyncExecutor::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
        due_of_.clear();
        wake_.notify_one();
    }
    if (thread_.joinable() && !on_executor_thread()) thread_.join();
}

void SyncExecutor::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        auto first = queue_.begin();
        // A copy: while this thread waits, cancel() or stop() may erase the task, and its due time with it.
        if (const Clock::time_point due = first->first.first; due > Clock::now()) {
            wake_.wait_until(lock, due);
            continue;
        }
        auto task = std::move(first->second);
        due_of_.erase(first->first.second);
        queue_.erase(first);
        lock.unlock();
        task();
        task = nullptr;  // destroy what it captured outside the lock, too
        lock.lock();
    }
}

}  // namespace synclatch::platform::detail
