// SyncExecutor: the client's sync thread. Tasks run one at a time, in the order of their due time (then
// of posting), so callbacks never race each other and a slow sync delays, but never overlaps, the next.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace synclatch::platform::detail {

// Thread-safety: post(), post_at(), cancel() and stop() may be called from any thread, also from a task.
class SyncExecutor {
  public:
    using Clock = std::chrono::steady_clock;
    using TaskId = std::uint64_t;

    SyncExecutor();
    ~SyncExecutor();  // stop()
    SyncExecutor(const SyncExecutor&) = delete;
    SyncExecutor& operator=(const SyncExecutor&) = delete;

    TaskId post(std::function<void()> task) { return post_at(Clock::now(), std::move(task)); }
    TaskId post_at(Clock::time_point due, std::function<void()> task);
    // Drops a task that has not started; false when it has (or never existed).
    bool cancel(TaskId id);
    // Drops the queued tasks and joins the thread after the running task. From a task: only drops them.
    void stop();
    bool on_executor_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::pair<Clock::time_point, TaskId>, std::function<void()>> queue_;  // guarded by mutex_
    std::map<TaskId, Clock::time_point> due_of_;                                   // guarded by mutex_
    TaskId next_id_ = 1;                                                           // guarded by mutex_
    bool stopping_ = false;                                                        // guarded by mutex_
    std::thread thread_;  // last: starts after the members it uses
};

}  // namespace synclatch::platform::detail
