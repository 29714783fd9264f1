// SnapshotReaders: the server store's read connections. On an IoPool thread a read keeps its read
// transaction (its WAL snapshot) open for the next read on that thread, as long as nothing has been committed
// since the snapshot began, until the thread's current batch of ready work is done. Beginning and ending a
// read transaction takes SQLite's shared-memory locks (fcntl calls under a process-wide mutex that the two
// io threads fought over): with one snapshot per request that was the largest single cost of a
// ListRecords in server_bench.
//
// Why this never serves a stale read: the writer counts its commits (Database::count_commits, after each
// commit is done) and a snapshot is reused only while the count is the one read before it began. A write
// is acknowledged after its commit, so every read that starts after the acknowledgement finds the count
// changed and takes a new snapshot. Other threads (tests, background jobs) read in a snapshot of their own
// each time, from a pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/reader_pool.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::server {

// Thread-safety: read() from any thread; destroy it only once no thread reads any more.
class SnapshotReaders {
  public:
    // commits: the count the database's writer keeps (Database::count_commits); must outlive this.
    SnapshotReaders(std::string path, core::sqlite::OpenOptions options,
                    const std::atomic<std::uint64_t>& commits);
    ~SnapshotReaders();
    SnapshotReaders(const SnapshotReaders&) = delete;
    SnapshotReaders& operator=(const SnapshotReaders&) = delete;

    // Runs fn(Database&) in a snapshot that includes every commit acknowledged before the call.
    // SqliteError propagates.
    template <class Fn>
    auto read(Fn&& fn) -> decltype(fn(std::declval<core::sqlite::Database&>())) {
        using R = decltype(fn(std::declval<core::sqlite::Database&>()));
        Slot* slot = this_thread_slot();
        if (slot != nullptr && !slot->reading) {  // a read inside a read takes a connection of its own
            begin_or_reuse(*slot);
            slot->reading = true;
            try {
                R result = fn(slot->db);
                slot->reading = false;
                return result;
            } catch (...) {
                slot->reading = false;
                slot->end();  // the next read starts afresh
                throw;
            }
        }
        return pool_.with_reader([&](core::sqlite::Database& db) {
            core::sqlite::Transaction snapshot(db, core::sqlite::Transaction::Mode::deferred);
            R result = fn(db);
            snapshot.commit();
            return result;
        });
    }

    // Snapshots begun so far (tests check that reads share them).
    std::uint64_t snapshots_begun() const noexcept {
        return snapshots_begun_.load(std::memory_order_relaxed);
    }

  private:
    // One IoPool thread's connection and the state of its snapshot; used by that thread only.
    struct Slot {
        Slot(const std::string& path, const core::sqlite::OpenOptions& options) : db(path, options) {}
        void end() noexcept;

        core::sqlite::Database db;
        bool open = false;               // a read transaction is open
        bool end_scheduled = false;      // end() is posted to the thread's context
        bool reading = false;            // a read is using the connection
        std::uint64_t commits_seen = 0;  // the commit count read before the open snapshot began
    };

    // The calling thread's slot when it runs an IoPool context, else nullptr.
    Slot* this_thread_slot();
    void begin_or_reuse(Slot& slot);

    const std::string path_;
    const core::sqlite::OpenOptions options_;
    const std::atomic<std::uint64_t>& commits_;
    const std::uint64_t id_;  // tells this instance from others in the threads' slot caches
    std::atomic<std::uint64_t> snapshots_begun_{0};
    std::mutex slots_mutex_;
    // shared: an end() posted to a thread's context keeps its slot alive
    std::unordered_map<std::thread::id, std::shared_ptr<Slot>> slots_;  // guarded by slots_mutex_
    core::sqlite::ReaderPool pool_;
};

}  // namespace synclatch::server
