// Opening a connection with the store's pragmas, and its statement cache.
#include "synclatch/sqlite/database.hpp"

#include <sqlite3.h>

#include <string>
#include <utility>

#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::core::sqlite {

Database::Database(const std::string& path, const OpenOptions& options) {
    // Readers too open read-write and then refuse writes with query_only: a read-only handle cannot
    // create the WAL index it needs when it is the first to open the file.
    int flags = SQLITE_OPEN_READWRITE;
    if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;  // each connection is guarded by its owner
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        // sqlite3_open_v2 returns a handle even on failure; take its message, then close it.
        SqliteError error(rc, std::string("open ") + path + ": " +
                                  (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw error;
    }
    sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
    sqlite3_extended_result_codes(db_, 1);
    try {
        // The first statement is where SQLite actually reads the file: a damaged or foreign file fails here.
        if (!options.read_only && options.wal) exec("PRAGMA journal_mode = WAL");
        exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        exec("PRAGMA foreign_keys = ON");
        if (options.read_only) exec("PRAGMA query_only = ON");
    } catch (...) {
        sqlite3_close_v2(db_);  // no destructor runs for a throwing constructor
        db_ = nullptr;
        throw;
    }
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Database::~Database() {
    cache_.clear();  // statements must be finalized before the connection closes
    if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = std::string("exec: ") + (message != nullptr ? message : sqlite3_errstr(rc));
        sqlite3_free(message);
        throw SqliteError(sqlite3_extended_errcode(db_), what);
    }
}

Statement& Database::cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(std::string(sql), std::make_unique<Statement>(db_, sql)).first;
    }
    return *it->second;
}

void Database::run_cached(std::string_view sql) {
    StatementScope statement(cached(sql));
    statement->run();
}

namespace {

int after_commit(void* commits, sqlite3* db, const char* schema, int wal_frames) {
    static_cast<std::atomic<std::uint64_t>*>(commits)->fetch_add(1, std::memory_order_release);
    constexpr int kAutoCheckpointFrames = 1000;  // SQLite's default
    if (wal_frames >= kAutoCheckpointFrames) {
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;  // the commit is done either way; a busy checkpoint is retried at the next commit
}

}  // namespace

void Database::count_commits(std::atomic<std::uint64_t>& commits) {
    sqlite3_wal_hook(db_, &after_commit, &commits);
}

std::int64_t Database::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const noexcept {
    return sqlite3_changes(db_);
}

bool Database::in_transaction() const noexcept {
    return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace synclatch::core::sqlite
