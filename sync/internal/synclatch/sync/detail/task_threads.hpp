// TaskThreads: the few threads one sync keeps for its background work (UpdateRecords in flight, pages
// being settled or merged), started when first needed and reused, so that a push of a hundred pages does
// not start two hundred threads (each new one also costs the allocator a fresh arena to fault in).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace synclatch::sync::detail {

// Thread-safety: run() from any thread. The destructor runs every task already given, then joins.
class TaskThreads {
  public:
    explicit TaskThreads(std::size_t max_threads) : max_threads_(max_threads == 0 ? 1 : max_threads) {}
    ~TaskThreads();
    TaskThreads(const TaskThreads&) = delete;
    TaskThreads& operator=(const TaskThreads&) = delete;

    // Runs `task` on a free thread (a new one while fewer than max_threads run); its result, or its
    // exception, comes through the future. Unlike std::async's, the future does not wait when destroyed.
    template <class Task>
    std::future<std::invoke_result_t<Task&>> run(Task task) {
        auto packaged = std::make_shared<std::packaged_task<std::invoke_result_t<Task&>()>>(std::move(task));
        auto result = packaged->get_future();
        post([packaged] { (*packaged)(); });
        return result;
    }

  private:
    void post(std::function<void()> job);
    void work();

    const std::size_t max_threads_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;  // guarded by mutex_
    std::size_t idle_ = 0;                    // guarded by mutex_
    bool stopping_ = false;                   // guarded by mutex_
    std::vector<std::thread> threads_;        // guarded by mutex_
};

}  // namespace synclatch::sync::detail
