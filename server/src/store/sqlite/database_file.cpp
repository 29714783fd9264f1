// Checking (or making) the server database's file before the store opens it.
#include "store/sqlite/database_file.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "store/sqlite/server_schema.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/migrations.hpp"
#include "synclatch/sqlite/statement.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {

namespace fs = std::filesystem;
namespace sqlite = core::sqlite;
using Clock = std::chrono::steady_clock;

Status refused(std::string message) {
    return {Errc::corrupt, std::move(message)};
}

// 0 when the file is missing.
std::uintmax_t size_of(const std::string& path) {
    std::error_code missing;
    const auto size = fs::file_size(path, missing);
    return missing ? 0 : size;
}

std::string start_afresh(const std::string& path) {
    return "To start a new deployment deliberately, delete " + path + " (and " + path + "-wal, " + path +
           "-shm) and start again.";
}

// An empty file is what a lost database looks like (a failed restore, a full disk, a copy cut short), not
// a new deployment: making one would drop every credential and every user's data without a word.
Status refuse_empty(const std::string& path, const std::string& found) {
    return refused(
        found + ". That is not a new deployment's file: starting on it would make a new deployment, " +
        "with a new deployment id and server secret, and every credential and every user's data " +
        "would be gone. If the data was lost, restore " + path + " from a backup. " + start_afresh(path));
}

Status refuse_damaged(const std::string& path, const std::string& what) {
    return refused(
        "the start-up check (SQLite's quick_check) found " + path + " damaged: " + what +
        ". The server does not run on a damaged database, and wrote nothing to it. Restore " + path +
        " from a backup (with the server stopped; delete " + path + "-wal and " + path +
        "-shm, which belong to the damaged file), or save what SQLite can still read, from a copy: " +
        "`sqlite3 copy.db .recover | sqlite3 recovered.db`, check recovered.db and put it in place " + "of " +
        path + ".");
}

int past_deadline(void* deadline) {
    return Clock::now() >= *static_cast<const Clock::time_point*>(deadline) ? 1 : 0;
}

// quick_check rather than integrity_check: it reads every page and checks the structure of every b-tree,
// in time linear in the file's size, but skips matching each index against its table, the part that grows
// faster than the file. A progress handler stops it at the deadline, so that a very large file holds the
// start up by `budget` at most: what it read was checked, the rest was not, and the log says so.
Status check_existing(const std::string& path, sqlite::OpenOptions options,
                      std::chrono::milliseconds budget) {
    const auto started = Clock::now();
    auto deadline = started + budget;
    try {
        options.read_only = true;  // never creates the file; query_only
        sqlite::Database db(path, options);
        // Closing this connection must not checkpoint the log into a file that may be damaged.
        sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        {
            sqlite::StatementScope tables(db.cached("SELECT count(*) FROM sqlite_schema"));
            tables->step();
            if (tables->column_int64(0) == 0)
                return refuse_empty(path, path + " holds an empty SQLite database (no tables)");
        }
        std::string problems;
        bool cut_short = false;
        sqlite3_progress_handler(db.handle(), 1000, &past_deadline, &deadline);
        try {
            sqlite::StatementScope check(db.cached("PRAGMA quick_check(10)"));
            while (check->step()) {
                std::string line = check->column_string(0);
                std::replace(line.begin(), line.end(), '\n', ' ');
                if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
            }
        } catch (const sqlite::SqliteError& e) {
            if ((e.code() & 0xff) != SQLITE_INTERRUPT) throw;
            cut_short = true;
        }
        sqlite3_progress_handler(db.handle(), 0, nullptr, nullptr);
        if (!problems.empty()) return refuse_damaged(path, problems);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        const auto bytes = size_of(path);
        const std::string size = bytes < 1024 * 1024 ? std::to_string(bytes / 1024) + " KiB"
                                                     : std::to_string(bytes / (1024 * 1024)) + " MiB";
        if (cut_short) {
            log(LogLevel::warn, "the start-up check of " + path + " (" + size + ") stopped after " +
                                    std::to_string(took.count()) +
                                    " ms, so as not to hold the start up: what it read is whole. To check "
                                    "all of it, run `sqlite3 copy.db 'PRAGMA quick_check'` on a copy");
        } else {
            log(LogLevel::debug, "checked " + path + " (" + size + ", quick_check) in " +
                                     std::to_string(took.count()) + " ms: whole");
        }
        return {};
    } catch (const sqlite::SqliteError& e) {
        const int code = e.code() & 0xff;
        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return refuse_damaged(path, e.what());
        return sqlite::to_status(e);  // busy, I/O error, permissions: not the file's fault
    }
}

Status sync_folder(const fs::path& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced) return {Errc::storage, "cannot sync the folder " + folder.string()};
    return {};
}

// The schema is committed under a temporary name (in rollback-journal mode: once committed, the whole
// database is in that one file), which then takes the real name.
Status create_new(const std::string& path, sqlite::OpenOptions options) {
    const std::string fresh = path + ".new";
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
        fs::remove(fresh + suffix, ignored);  // left by a first start cut short
    options.read_only = false;
    options.create = true;
    options.wal = false;
    try {
        sqlite::Database db(fresh, options);
        sqlite::migrate(db, server_migrations());
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
    std::error_code error;
    fs::rename(fresh, path, error);
    if (error) return {Errc::storage, "cannot rename " + fresh + " to " + path + ": " + error.message()};
    return sync_folder(fs::absolute(path).parent_path());
}

}  // namespace

Status prepare_database_file(const std::string& path, const sqlite::OpenOptions& options,
                             std::chrono::milliseconds check_budget) {
    const std::string wal = path + "-wal";
    const auto wal_size = size_of(wal);
    std::error_code error;
    const bool exists = fs::exists(path, error);
    if (error) return {Errc::storage, "cannot look at " + path + ": " + error.message()};
    if (!exists) {
        if (wal_size == 0) return create_new(path, options);
        return refused(
            path + " is missing, but its write-ahead log " + wal + " (" + std::to_string(wal_size) +
            " bytes) is there: the database file was deleted or moved without it. Starting now would " +
            "make a new deployment (a new deployment id and server secret, no credentials, no users' " +
            "data), and SQLite would apply or drop that log. Put the database file back; if it comes " +
            "from a backup, delete " + wal + " and " + path + "-shm, which belong to the lost file. " +
            start_afresh(path));
    }
    if (size_of(path) == 0) {
        std::string found = path + " is empty (0 bytes)";
        if (wal_size > 0)
            found += ", next to a write-ahead log " + wal + " of " + std::to_string(wal_size) +
                     " bytes which SQLite would delete (keep it until you know what it holds)";
        return refuse_empty(path, found);
    }
    return check_existing(path, options, check_budget);
}

}  // namespace synclatch::server
