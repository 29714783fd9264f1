// GroupCommit: durable writes at the rate of many per fsync. Jobs queue up while the previous commit is
// being made durable; the writer thread then runs the whole queue in one transaction, each job in its own
// savepoint (a failing job rolls back alone and changes nothing), commits once, and only then reports every
// job's outcome. No job is acknowledged before the transaction that holds it is durable.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "synclatch/core/status.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

class GroupCommit {
  public:
    // Runs inside a savepoint on the writer connection; a non-ok Status (or a thrown SqliteError) rolls
    // the job back.
    using Job = std::function<Status(core::sqlite::Database&)>;
    // Called on the writer thread once the outcome is final (after the commit); must not block.
    using Done = std::function<void(Status)>;

    // Runs once per batch after its jobs, inside its transaction (state the jobs share, kept once per
    // commit).
    using BeforeCommit = std::function<void(core::sqlite::Database&)>;

    // db is used only while holding db_mutex (other writers may share the connection between batches).
    GroupCommit(core::sqlite::Database& db, std::mutex& db_mutex, BeforeCommit before_commit = {},
                std::size_t max_batch = 512);
    // Finishes every job already submitted, then stops the thread.
    ~GroupCommit();
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    // Thread-safe. done is always called exactly once.
    void submit(Job job, Done done);

  private:
    struct Pending {
        Job job;
        Done done;
    };
    void run();
    void commit_batch(std::deque<Pending>& batch);

    core::sqlite::Database& db_;
    std::mutex& db_mutex_;
    BeforeCommit before_commit_;
    const std::size_t max_batch_;
    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<Pending> queue_;  // guarded by queue_mutex_
    bool stopping_ = false;      // guarded by queue_mutex_
    std::thread thread_;
};

}  // namespace synclatch::server
