// Raising and mapping SQLite errors.
#include "synclatch/sqlite/error.hpp"

#include <sqlite3.h>

namespace synclatch::core::sqlite {

void throw_error(sqlite3* db, int rc, const char* context) {
    const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
    std::string what = context;
    what += ": ";
    what += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw SqliteError(extended != 0 ? extended : rc, what);
}

Status to_status(const SqliteError& error) {
    switch (error.code() & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {Errc::busy, error.what()};
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_NOLFS:
            return {Errc::storage, error.what()};
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return {Errc::corrupt, error.what()};
        default:
            return {Errc::internal, error.what()};
    }
}

}  // namespace synclatch::core::sqlite
