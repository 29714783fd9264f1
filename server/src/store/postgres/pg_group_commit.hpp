// PgGroupCommit: durable writes at the rate of many per commit, as GroupCommit gives the SQLite engine.
// Jobs queue up while the writers are busy; a free writer takes what is queued (up to max_batch) and runs
// it in one transaction, each job in its own savepoint (a failing job rolls back alone), appends the stream
// records the jobs produced under the append lock (pg_stream_appends.hpp), commits once, and only then
// reports every job's outcome. No job is acknowledged before the transaction that holds it is durable.
//
// Jobs run in order of their order key (the dataset or identity they lock), so that two batches, of this
// server or another, take their row locks in the same order and do not deadlock each other; if PostgreSQL
// still reports a deadlock or a serialization failure, the whole batch runs again (jobs must allow that).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_connection_pool.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// The stream records one job adds, appended with the batch's at its end.
class PgStreamAppends {
  public:
    void add(std::string stream, NewStreamRecord record) {
        records_.emplace_back(std::move(stream), std::move(record));
    }

  private:
    friend class PgGroupCommit;
    std::vector<std::pair<std::string, NewStreamRecord>> records_;
};

class PgGroupCommit {
  public:
    // Runs inside the batch's transaction, in a savepoint; a failed Status rolls this job back alone, except
    // Errc::busy and Errc::unavailable, which end the whole batch (it is run again, or fails).
    using Job = std::function<Status(PgConnection&, PgStreamAppends&)>;
    // Called on a writer thread once the outcome is final (after the commit); must not block.
    using Done = std::function<void(Status)>;

    PgGroupCommit(PgConnectionPool& pool, std::size_t writers = 2, std::size_t max_batch = 256);
    // Finishes every job already submitted, then stops the writers.
    ~PgGroupCommit();
    PgGroupCommit(const PgGroupCommit&) = delete;
    PgGroupCommit& operator=(const PgGroupCommit&) = delete;

    // Thread-safe. done is always called exactly once.
    void submit(std::string order_key, Job job, Done done);

    // How many times a batch that PostgreSQL aborted (deadlock, serialization failure) is run again.
    static constexpr int kBatchRetries = 3;

  private:
    struct Pending {
        std::string order_key;
        Job job;
        Done done;
    };
    void run();
    void commit_batch(std::vector<Pending>& batch);
    // One attempt: each job's outcome in outcomes (the ok ones durable once this returns ok), or the
    // batch's error.
    Status attempt(PgConnection& conn, std::vector<Pending>& batch, std::vector<Status>& outcomes);

    PgConnectionPool& pool_;
    const std::size_t max_batch_;
    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<Pending> queue_;  // guarded by queue_mutex_
    bool stopping_ = false;      // guarded by queue_mutex_
    std::vector<std::thread> writers_;
};

}  // namespace synclatch::server
