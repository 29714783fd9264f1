// Database: one SQLite connection (move-only) with its cache of prepared statements.
//
// Why not SQLiteCpp (packaged in Debian)? Its 3.2.1 Transaction rolls back a second time after an explicit
// rollback, it has no prepared-statement cache, and it throws across its whole API. The few hundred lines
// here give us exactly the explicit-state transaction, statement cache and error mapping the store needs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "synclatch/sqlite/statement.hpp"

struct sqlite3;

namespace synclatch::core::sqlite {

struct OpenOptions {
    bool read_only = false;  // a reader: PRAGMA query_only, never creates the file
    bool create = true;
    bool wal = true;
    bool synchronous_full = true;  // false: synchronous = NORMAL (durable against process crashes only)
    std::chrono::milliseconds busy_timeout{5000};
};

// Thread-safety: none; one thread at a time (the store guards its connections).
class Database {
  public:
    // Opens (or creates) the file; throws SqliteError when it cannot.
    Database(const std::string& path, const OpenOptions& options);
    Database(Database&&) noexcept;
    Database& operator=(Database&&) = delete;
    Database(const Database&) = delete;
    ~Database();

    // Runs one or more statements without results (schema, pragmas). Never pass SQL built from input.
    void exec(const char* sql);
    // The prepared statement for sql, prepared on first use and kept for the connection's lifetime.
    // Use it through a StatementScope.
    Statement& cached(std::string_view sql);
    // Runs a statement without parameters or results through the cache: for BEGIN, COMMIT and savepoints,
    // which run so often that parsing them each time (as exec() does) shows in profiles.
    void run_cached(std::string_view sql);

    // Adds one to `commits` after each commit made on this connection (SQLite's WAL hook runs once the
    // commit is done), so readers can tell whether their snapshot is still the latest. The hook replaces
    // SQLite's automatic checkpoint, so it checkpoints itself, as that one would (passive, at 1000 frames).
    // `commits` must outlive the connection.
    void count_commits(std::atomic<std::uint64_t>& commits);

    std::int64_t last_insert_rowid() const noexcept;
    int changes() const noexcept;
    bool in_transaction() const noexcept;
    sqlite3* handle() const noexcept { return db_; }

  private:
    // Transparent hashing: cached() looks statements up by string_view without building a std::string.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> cache_;
};

}  // namespace synclatch::core::sqlite
