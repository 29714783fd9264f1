#include "synclatch/sync/detail/task_threads.hpp"

namespace synclatch::sync::detail {

TaskThreads::~TaskThreads() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_)
        thread.join();
}

void TaskThreads::post(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    // Idle threads may not have woken for the jobs before this one yet: compare with all that wait.
    if (jobs_.size() > idle_ && threads_.size() < max_threads_) threads_.emplace_back([this] { work(); });
    ready_.notify_one();
}

void TaskThreads::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        ++idle_;
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // stopping, and nothing left to run
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

}  // namespace synclatch::sync::detail
