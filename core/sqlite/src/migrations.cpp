// Schema migrations by PRAGMA user_version.
#include "synclatch/sqlite/migrations.hpp"

#include <sqlite3.h>

#include <string>

#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::core::sqlite {

namespace {
std::int64_t user_version(Database& db) {
    StatementScope version(db.cached("PRAGMA user_version"));
    version->step();
    return version->column_int64(0);
}
}  // namespace

void migrate(Database& db, std::span<const char* const> steps) {
    Transaction tx(db, Transaction::Mode::immediate);
    const auto known = static_cast<std::int64_t>(steps.size());
    const std::int64_t current = user_version(db);
    if (current > known) {
        throw SqliteError(SQLITE_CANTOPEN, "the database has schema version " + std::to_string(current) +
                                               ", newer than this synclatch knows (" + std::to_string(known) +
                                               "); upgrade synclatch");
    }
    for (auto version = current; version < known; ++version)
        db.exec(steps[static_cast<std::size_t>(version)]);
    if (current < known) {
        // PRAGMA takes no bound parameters; the number comes from our own step count, never from input.
        db.exec(("PRAGMA user_version = " + std::to_string(known)).c_str());
    }
    tx.commit();
}

}  // namespace synclatch::core::sqlite
