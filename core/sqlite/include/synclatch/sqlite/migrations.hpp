// Ordered schema migrations tracked by PRAGMA user_version: step i brings the schema to version i + 1.
#pragma once

#include <span>

#include "synclatch/sqlite/database.hpp"

namespace synclatch::core::sqlite {

// Applies the steps the file has not seen yet, all in one immediate transaction. Throws SqliteError (with
// SQLITE_CANTOPEN as the code) when the file was written by a newer schema than the steps know.
void migrate(Database& db, std::span<const char* const> steps);

}  // namespace synclatch::core::sqlite
