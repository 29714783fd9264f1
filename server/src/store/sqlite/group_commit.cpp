// The writer thread's loop: take what has queued up, run it in one transaction, commit, report.
#include "store/sqlite/group_commit.hpp"

#include <vector>

#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

GroupCommit::GroupCommit(sqlite::Database& db, std::mutex& db_mutex, BeforeCommit before_commit,
                         std::size_t max_batch)
    : db_(db),
      db_mutex_(db_mutex),
      before_commit_(std::move(before_commit)),
      max_batch_(max_batch),
      thread_([this] { run(); }) {}

GroupCommit::~GroupCommit() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_one();
    thread_.join();
}

void GroupCommit::submit(Job job, Done done) {
    {
        std::lock_guard lock(queue_mutex_);
        queue_.push_back({std::move(job), std::move(done)});
    }
    queue_ready_.notify_one();
}

void GroupCommit::run() {
    std::deque<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to do
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit_batch(batch);
        batch.clear();
    }
}

void GroupCommit::commit_batch(std::deque<Pending>& batch) {
    std::vector<Status> outcomes(batch.size());
    {
        std::lock_guard lock(db_mutex_);
        try {
            sqlite::Transaction tx(db_, sqlite::Transaction::Mode::immediate);
            for (std::size_t i = 0; i < batch.size(); ++i) {
                db_.run_cached("SAVEPOINT job");
                try {
                    outcomes[i] = batch[i].job(db_);
                } catch (const sqlite::SqliteError& e) {
                    outcomes[i] = sqlite::to_status(e);
                    // Some failures (I/O, full disk) end the whole transaction: the jobs before this one
                    // are gone too, so the batch fails as a whole below.
                    if (!db_.in_transaction()) throw;
                } catch (const std::exception& e) {
                    outcomes[i] = Status{Errc::internal, e.what()};
                }
                if (!outcomes[i].ok()) db_.run_cached("ROLLBACK TO job");
                db_.run_cached("RELEASE job");
            }
            if (before_commit_) before_commit_(db_);
            tx.commit();
        } catch (const sqlite::SqliteError& e) {
            // Nothing of this batch is durable: every job fails, even those whose own work succeeded.
            const Status failed = sqlite::to_status(e);
            for (auto& outcome : outcomes) {
                if (outcome.ok()) outcome = failed;
            }
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].done(std::move(outcomes[i]));
}

}  // namespace synclatch::server
