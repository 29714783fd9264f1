// SqliteError: the one exception of the SQLite wrapper. It carries SQLite's extended result code so that
// RAII rollback can run while it unwinds; store code converts it to a Status at its public boundary.
#pragma once

#include <stdexcept>
#include <string>

#include "synclatch/core/status.hpp"

struct sqlite3;

namespace synclatch::core::sqlite {

class SqliteError : public std::runtime_error {
  public:
    SqliteError(int extended_code, const std::string& what)
        : std::runtime_error(what), code_(extended_code) {}
    int code() const noexcept { return code_; }

  private:
    int code_;
};

// Throws SqliteError for rc, with the connection's message and what was being done.
[[noreturn]] void throw_error(sqlite3* db, int rc, const char* context);

// The Status a SQLite failure means to a caller: busy/locked -> busy, full/I/O/read-only -> storage,
// corrupt/not-a-database -> corrupt, everything else -> internal.
Status to_status(const SqliteError& error);

}  // namespace synclatch::core::sqlite
