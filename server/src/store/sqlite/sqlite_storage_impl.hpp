// SqliteStorage's state, shared by the files that implement its parts (sqlite_storage.cpp: Cognito Sync
// semantics; sqlite_storage_latch.cpp: what processors publish and apply; sqlite_sign_ins.cpp: logins and
// merges; sqlite_api_pools.cpp: pools made through the API; sqlite_imports.cpp: imports from Cognito).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "store/random_ids.hpp"
#include "store/sqlite/database_lock.hpp"
#include "store/sqlite/group_commit.hpp"
#include "store/sqlite/record_writes.hpp"
#include "store/sqlite/row_cache.hpp"
#include "store/sqlite/snapshot_readers.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

struct SqliteStorage::Impl {
    Impl(DatabaseLock held, const SqliteStorageOptions& options, const sqlite::OpenOptions& open_options)
        : file_lock(std::move(held)),
          limits(options.limits),
          writer(options.path, open_options),
          readers(options.path, open_options, commits) {
        writer.count_commits(commits);
    }

    // Runs fn(Database&) -> Status or Result<T> in one immediate transaction, committed only on success.
    template <class Fn>
    auto write(Fn&& fn) -> decltype(fn(std::declval<sqlite::Database&>())) {
        using R = decltype(fn(std::declval<sqlite::Database&>()));
        try {
            std::lock_guard lock(write_mutex);
            sqlite::Transaction tx(writer, sqlite::Transaction::Mode::immediate);
            R result = fn(writer);
            if (result.ok()) tx.commit();
            return result;
        } catch (const sqlite::SqliteError& e) {
            return R(sqlite::to_status(e));
        } catch (const RandomnessUnavailable& e) {
            return R(Status{Errc::internal, e.what()});
        }
    }

    // Runs fn(Database&) in a consistent snapshot that holds every acknowledged write.
    template <class Fn>
    auto read(Fn&& fn) -> decltype(fn(std::declval<sqlite::Database&>())) {
        using R = decltype(fn(std::declval<sqlite::Database&>()));
        try {
            return readers.read(fn);
        } catch (const sqlite::SqliteError& e) {
            return R(sqlite::to_status(e));
        }
    }

    DatabaseLock file_lock;  // first: held until every connection has closed
    const SyncLimits limits;
    std::string deployment_id;  // set once by open()
    SoloBus bus;                // the file is one server's
    std::mutex write_mutex;
    std::atomic<std::uint64_t> commits{0};  // kept by the writer; before it: it must outlive the writer
    sqlite::Database writer;                // guarded by write_mutex
    SnapshotReaders readers;
    RowCache<std::string> pool_of_identity{100'000};
    RowCache<IdentityCredentials> credentials{100'000};
    // SyncTrigger settings by pool, filled on first use; set_cognito_events keeps it current.
    mutable std::mutex triggers_mutex;
    mutable std::map<std::string, std::string, std::less<>> triggers;  // guarded by triggers_mutex
    DeploymentClock clock;  // guarded by write_mutex; read from the database by open()
    // Identities merged into others or deleted, and deleted pools, lately, with when (steady clock). A write
    // that passed the identity check before (pool_of, from the cache or a snapshot) looks here for its
    // identity and its pool before it is applied, so it cannot land on a disabled or deleted identity; an
    // entry outlives any such write (requests time out after 30 s).
    std::map<std::string, std::chrono::steady_clock::time_point, std::less<>>
        recently_retired;  // write_mutex
    // Remembers an identity or pool id in recently_retired, dropping entries past the window; called with
    // write_mutex held, after the commit and before the lock is released.
    void retire(std::string id) {
        constexpr auto kWindow = std::chrono::minutes(10);
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(recently_retired, [&](const auto& entry) { return now - entry.second > kWindow; });
        recently_retired.insert_or_assign(std::move(id), now);
    }
    // Last: stopped (and drained) first. Each batch stores the clock its jobs moved, before it commits.
    GroupCommit committer{writer, write_mutex, [this](sqlite::Database& db) { persist_clock(db, clock); }};
};

}  // namespace synclatch::server
