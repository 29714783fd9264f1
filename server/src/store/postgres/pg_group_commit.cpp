// The writers' loop: take what is queued, run it as one transaction with a savepoint per job, commit, report.
#include "store/postgres/pg_group_commit.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "store/postgres/pg_stream_appends.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

namespace {

bool ends_batch(const Status& status) {
    return status.code() == Errc::busy || status.code() == Errc::unavailable;
}

EpochMillis now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

PgGroupCommit::PgGroupCommit(PgConnectionPool& pool, std::size_t writers, std::size_t max_batch)
    : pool_(pool), max_batch_(max_batch) {
    for (std::size_t i = 0; i < std::max<std::size_t>(writers, 1); ++i)
        writers_.emplace_back([this] { run(); });
}

PgGroupCommit::~PgGroupCommit() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_all();
    for (auto& writer : writers_)
        writer.join();
}

void PgGroupCommit::submit(std::string order_key, Job job, Done done) {
    {
        std::lock_guard lock(queue_mutex_);
        queue_.push_back(Pending{std::move(order_key), std::move(job), std::move(done)});
    }
    queue_ready_.notify_one();
}

void PgGroupCommit::run() {
    std::vector<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and drained
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit_batch(batch);
        batch.clear();
    }
}

void PgGroupCommit::commit_batch(std::vector<Pending>& batch) {
    std::stable_sort(batch.begin(), batch.end(),
                     [](const Pending& a, const Pending& b) { return a.order_key < b.order_key; });
    std::vector<Status> outcomes;
    Status failed;
    for (int attempt_no = 0; attempt_no <= kBatchRetries; ++attempt_no) {
        auto lease = pool_.lease();
        if (!lease) {
            failed = lease.status();
            break;
        }
        failed = attempt(**lease, batch, outcomes);
        if (failed.ok() || failed.code() != Errc::busy) break;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].done(failed.ok() ? outcomes[i] : failed);
}

Status PgGroupCommit::attempt(PgConnection& conn, std::vector<Pending>& batch,
                              std::vector<Status>& outcomes) {
    outcomes.assign(batch.size(), Status{});
    return conn.transaction([&](PgConnection& tx) -> Status {
        std::map<std::string, std::vector<NewStreamRecord>> appends;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (auto saved = tx.exec("SAVEPOINT job"); !saved) return saved.status();
            PgStreamAppends added;
            outcomes[i] = batch[i].job(tx, added);
            if (ends_batch(outcomes[i])) return outcomes[i];
            if (!outcomes[i].ok()) {
                if (auto undone = tx.exec("ROLLBACK TO SAVEPOINT job"); !undone) return undone.status();
                continue;
            }
            if (auto kept = tx.exec("RELEASE SAVEPOINT job"); !kept) return kept.status();
            for (auto& [stream, record] : added.records_)
                appends[stream].push_back(std::move(record));
        }
        // Last, just before the commit: the append lock is held from here to the end of the transaction.
        const EpochMillis now = now_ms();
        for (const auto& [stream, records] : appends)
            if (auto numbered = pg_append_stream_records(tx, stream, records, now); !numbered)
                return numbered.status();
        return Status{};
    });
}

}  // namespace synclatch::server
