// The server database's file, made sure of before the store opens it, so that opening it loses nothing.
// Left to itself SQLite opens an empty file as a new database (deleting a write-ahead log it finds next to
// it), and serves a damaged file until some query reaches the damage.
#pragma once

#include <chrono>
#include <string>

#include "synclatch/core/status.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

// Makes `path` ready to be opened as the server's database (thread-safety: call before anything opens it):
// - missing: a new database is made: its schema is committed under a temporary name that is then renamed
//   into place, so that a first start cut short never leaves a file without a schema behind;
// - present: it must hold a database with tables (an empty file is refused: opening it would make a new
//   deployment, with a new id and server secret, and every credential and user's data would be gone)
//   which SQLite's quick_check finds whole; the check stops after `check_budget` on a file too large to
//   read in that time, and says so in the log.
// Either way a write-ahead log without its database is refused. A refusal is Errc::corrupt with a message
// naming the file, what was found and what the operator can do; nothing is written to a refused file.
Status prepare_database_file(const std::string& path, const core::sqlite::OpenOptions& options,
                             std::chrono::milliseconds check_budget);

}  // namespace synclatch::server
