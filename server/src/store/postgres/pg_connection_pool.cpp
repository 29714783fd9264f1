// Leasing connections: idle ones first, new ones up to the limit, lost ones dropped.
#include "store/postgres/pg_connection_pool.hpp"

namespace synclatch::server {

PgLease::PgLease(PgLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {
    other.conn_.reset();
}

PgLease::~PgLease() {
    if (pool_ != nullptr) pool_->give_back(conn_);
}

PgConnectionPool::PgConnectionPool(std::string conninfo, std::size_t max_connections,
                                   std::chrono::milliseconds wait_limit)
    : conninfo_(std::move(conninfo)), max_connections_(max_connections), wait_limit_(wait_limit) {}

Result<PgLease> PgConnectionPool::lease() {
    {
        std::unique_lock lock(mutex_);
        const bool available =
            returned_.wait_for(lock, wait_limit_, [&] { return !idle_.empty() || open_ < max_connections_; });
        if (!available) {
            return Status{Errc::busy, "every PostgreSQL connection of this server (" +
                                          std::to_string(max_connections_) + ") stayed busy for " +
                                          std::to_string(wait_limit_.count()) + " ms"};
        }
        if (!idle_.empty()) {
            PgConnection conn = std::move(idle_.back());
            idle_.pop_back();
            return PgLease(this, std::move(conn));
        }
        ++open_;  // reserved while connecting, outside the lock
    }
    auto opened = PgConnection::open(conninfo_);
    if (!opened) {
        std::lock_guard lock(mutex_);
        --open_;
        returned_.notify_one();
        return opened.status();
    }
    return PgLease(this, std::move(opened).value());
}

void PgConnectionPool::give_back(std::optional<PgConnection>& conn) noexcept {
    std::lock_guard lock(mutex_);
    if (conn && conn->usable()) {
        idle_.push_back(std::move(*conn));
    } else {
        --open_;
    }
    conn.reset();
    returned_.notify_one();
}

}  // namespace synclatch::server
