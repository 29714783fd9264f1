// PgConnectionPool: the connections one server keeps to its PostgreSQL database. A caller leases one for
// a transaction and gives it back; a connection found lost is dropped and a new one opened on the next
// lease, so a PostgreSQL restart costs the requests in flight, not the server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"

namespace synclatch::server {

class PgConnectionPool;

// A leased connection, given back when the lease ends (dropped instead, when it is no longer usable).
class PgLease {
  public:
    PgLease(PgLease&& other) noexcept;
    PgLease& operator=(PgLease&&) = delete;
    PgLease(const PgLease&) = delete;
    PgLease& operator=(const PgLease&) = delete;
    ~PgLease();

    PgConnection& operator*() noexcept { return *conn_; }
    PgConnection* operator->() noexcept { return &*conn_; }

  private:
    friend class PgConnectionPool;
    PgLease(PgConnectionPool* pool, PgConnection conn) : pool_(pool), conn_(std::move(conn)) {}
    PgConnectionPool* pool_;
    std::optional<PgConnection> conn_;
};

// Thread-safety: lease() may be called from any thread; the pool must outlive every lease.
class PgConnectionPool {
  public:
    // At most max_connections open at once; a lease waits up to wait_limit for one to come back, then
    // fails with Errc::busy (the HTTP layer answers TooManyRequestsException).
    PgConnectionPool(std::string conninfo, std::size_t max_connections,
                     std::chrono::milliseconds wait_limit = std::chrono::seconds(10));
    PgConnectionPool(const PgConnectionPool&) = delete;
    PgConnectionPool& operator=(const PgConnectionPool&) = delete;

    // An idle connection, or a new one while fewer than max_connections are open. A connection that
    // cannot be opened is Errc::unavailable (or invalid_argument for a malformed conninfo).
    Result<PgLease> lease();

    const std::string& conninfo() const noexcept { return conninfo_; }

  private:
    friend class PgLease;
    void give_back(std::optional<PgConnection>& conn) noexcept;

    const std::string conninfo_;
    const std::size_t max_connections_;
    const std::chrono::milliseconds wait_limit_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<PgConnection> idle_;  // guarded by mutex_
    std::size_t open_ = 0;            // guarded by mutex_: leased and idle
};

}  // namespace synclatch::server
