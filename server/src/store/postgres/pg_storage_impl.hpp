// PgStorage's state, shared by the files that implement its parts (pg_storage.cpp: opening, the server's
// secret; pg_identities.cpp, pg_sign_ins.cpp; pg_records.cpp; pg_streams.cpp, pg_latch.cpp; pg_pools.cpp,
// pg_bulk_publish.cpp; pg_devices.cpp; pg_imports.cpp).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_connection_pool.hpp"
#include "store/postgres/pg_group_commit.hpp"
#include "store/postgres/pg_server_bus.hpp"
#include "store/postgres/pg_server_name.hpp"
#include "store/postgres/pg_storage.hpp"
#include "store/random_ids.hpp"

namespace synclatch::server {

struct PgStorage::Impl {
    explicit Impl(const PgStorageOptions& options)
        : limits(options.limits),
          server_name(claim_pg_server_name(options.server_dir)),
          instance_id(server_name.name + "/" + random_hex(4)),
          bus(options.url, instance_id),
          pool(options.url, options.max_connections),
          committer(pool, options.writers) {}

    // Runs fn(PgConnection&) -> Status or Result<T> in one READ COMMITTED transaction on a leased
    // connection, committed only when fn succeeds. Writes that must not interleave lock their rows
    // (SELECT ... FOR UPDATE) inside fn. A deadlock or serialization failure runs fn again, up to
    // kTransactionRetries times: fn must not consume what it captured.
    template <class Fn>
    auto write(Fn&& fn) -> std::invoke_result_t<Fn&, PgConnection&> {
        return run(fn, PgIsolation::read_committed);
    }

    // Runs fn(PgConnection&) in one REPEATABLE READ transaction: every statement of fn sees the same
    // snapshot, which holds every write acknowledged before it began, on any server of the database.
    template <class Fn>
    auto read(Fn&& fn) -> std::invoke_result_t<Fn&, PgConnection&> {
        return run(fn, PgIsolation::repeatable_read);
    }

    // Runs fn(PgConnection&), a read of one statement, outside any transaction: one statement sees one
    // snapshot on its own, and BEGIN and COMMIT would add two round trips to the request. A deadlock or
    // serialization failure runs it again, as read() does.
    template <class Fn>
    auto read_one_statement(Fn&& fn) -> std::invoke_result_t<Fn&, PgConnection&> {
        using R = std::invoke_result_t<Fn&, PgConnection&>;
        for (int attempt = 0;; ++attempt) {
            auto lease = pool.lease();
            if (!lease) return R(lease.status());
            R outcome = fn(**lease);
            if (status_of(outcome).code() == Errc::busy && attempt < kTransactionRetries) continue;
            return outcome;
        }
    }

    static constexpr int kTransactionRetries = 3;

    const SyncLimits limits;
    std::string deployment_id;  // set once by open()
    // This server among those of the database: "name/incarnation", the holder of the leases it takes. A
    // lease of the same name and another incarnation is this server's from before a crash (pg_leases).
    const PgServerName server_name;
    const std::string instance_id;
    PgServerBus bus;

    // sync_trigger's answers (pg_pools.cpp), each used for at most PgStorage::kSyncTriggerStaleness after it
    // was read; at most kMaxCachedSyncTriggers pools (one per pool that exists).
    struct CachedSyncTrigger {
        std::string setting;
        std::chrono::steady_clock::time_point read_at;
    };
    static constexpr std::size_t kMaxCachedSyncTriggers = 4096;
    std::mutex sync_triggers_mutex;
    std::map<std::string, CachedSyncTrigger, std::less<>> sync_triggers;  // guarded by sync_triggers_mutex

    PgConnectionPool pool;
    // Last: stopped (and drained) first, while the pool still lives.
    PgGroupCommit committer;

  private:
    template <class R>
    static Status status_of(const R& outcome) {
        if constexpr (std::is_same_v<R, Status>) {
            return outcome;
        } else {
            return outcome.status();
        }
    }

    template <class Fn>
    auto run(Fn& fn, PgIsolation isolation) -> std::invoke_result_t<Fn&, PgConnection&> {
        using R = std::invoke_result_t<Fn&, PgConnection&>;
        for (int attempt = 0;; ++attempt) {
            auto lease = pool.lease();
            if (!lease) return R(lease.status());
            std::optional<R> outcome;
            const Status done = (*lease)->transaction(
                [&](PgConnection& tx) {
                    outcome.emplace(fn(tx));
                    return status_of(*outcome);
                },
                isolation);
            if (done.ok()) return std::move(*outcome);
            if (done.code() == Errc::busy && attempt < kTransactionRetries) continue;
            return R(done);
        }
    }
};

}  // namespace synclatch::server
