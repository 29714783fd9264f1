// BackgroundWorker: one thread that runs jobs in the order they were posted, so a device's disk work (saves,
// reads of its records) never blocks the GUI and never reorders.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace synclatch::demo {

// Thread-safety: post() may be called from any thread. The destructor lets the running job finish, drops
// the jobs still queued and joins the thread; jobs must not destroy their worker.
class BackgroundWorker {
  public:
    BackgroundWorker();
    ~BackgroundWorker();
    BackgroundWorker(const BackgroundWorker&) = delete;
    BackgroundWorker& operator=(const BackgroundWorker&) = delete;

    void post(std::function<void()> job);

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;  // guarded by mutex_
    bool stopping_ = false;                   // guarded by mutex_
    std::thread thread_;
};

}  // namespace synclatch::demo
