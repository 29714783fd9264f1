// StoreState: what a LocalStore and its Dataset handles share: the writer connection and its lock, the
// reader pool, the current identity, the clock and the change dispatcher. Also the two boundary helpers
// through which every store call runs, where SQLite exceptions become a Status.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "change_dispatcher.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/reader_pool.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::core::detail {

struct StoreState {
    StoreState(std::string path, const sqlite::OpenOptions& options, std::size_t max_readers,
               std::function<EpochMillis()> clock);

    EpochMillis now() const { return clock(); }
    std::string current_identity() const {
        std::lock_guard lock(identity_mutex);
        return identity_id;
    }

    const std::string path;
    const std::function<EpochMillis()> clock;
    std::mutex write_mutex;
    sqlite::Database writer;  // guarded by write_mutex
    sqlite::ReaderPool readers;
    mutable std::mutex identity_mutex;
    std::string identity_id;  // changed only while write_mutex is held too
    std::shared_ptr<ChangeDispatcher> dispatcher = std::make_shared<ChangeDispatcher>();
};

// What a write step gets: the writer connection inside an immediate transaction, the identity it acts
// for, the time of the write, and where to put the changes to notify (null when nobody listens).
struct WriteScope {
    sqlite::Database& db;
    const std::string& identity;
    EpochMillis now;
    std::vector<Change>* changes;
};

// Runs step(WriteScope&) -> Status in one immediate transaction under the write lock. The transaction
// commits only when step returns ok; then on_commit() runs, still under the lock (to publish in-memory
// state that must change with the commit), and the changes recorded are delivered to subscribers.
template <class Step, class OnCommit>
Status run_write(StoreState& state, Step&& step, OnCommit&& on_commit) {
    std::vector<Change> changes;
    try {
        std::unique_lock lock(state.write_mutex);
        const bool notify = state.dispatcher->has_subscribers();
        const std::string identity = state.current_identity();
        WriteScope scope{state.writer, identity, state.now(), notify ? &changes : nullptr};
        sqlite::Transaction tx(state.writer, sqlite::Transaction::Mode::immediate);
        if (Status status = step(scope); !status.ok()) return status;  // rolled back by tx
        tx.commit();
        on_commit();
        state.dispatcher->enqueue(std::move(changes));
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    } catch (const std::bad_alloc&) {
        return {Errc::internal, "out of memory"};
    }
    state.dispatcher->deliver();
    return {};
}

template <class Step>
Status run_write(StoreState& state, Step&& step) {
    return run_write(state, std::forward<Step>(step), [] {});
}

// Runs read(Database&) -> T on a pooled reader connection and returns its value or the error.
template <class Read>
auto run_read(StoreState& state, Read&& read) -> Result<decltype(read(std::declval<sqlite::Database&>()))> {
    try {
        return state.readers.with_reader(std::forward<Read>(read));
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    } catch (const std::bad_alloc&) {
        return Status{Errc::internal, "out of memory"};
    }
}

}  // namespace synclatch::core::detail
