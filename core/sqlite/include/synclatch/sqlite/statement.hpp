// Statement: a prepared SQLite statement (move-only). StatementScope resets it and clears its bindings when
// a use ends, so a cached statement is always ready for the next one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace synclatch::core::sqlite {

// Thread-safety: none; used by the thread that holds its connection.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_optional(int index, const std::optional<std::string>& text_or_null);
    Statement& bind_null(int index);

    // Runs to the next row: true when a row is ready, false when the statement is done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset() noexcept;

    // Columns are 0-based, as in SQLite.
    std::int64_t column_int64(int index) const;
    bool column_is_null(int index) const;
    std::string_view column_text(int index) const;  // valid until the next step or reset
    std::string column_string(int index) const { return std::string(column_text(index)); }
    std::optional<std::string> column_optional_string(int index) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

// Scoped use of a (usually cached) statement: resets it and clears its bindings when the scope ends,
// also during unwinding.
class StatementScope {
  public:
    explicit StatementScope(Statement& statement) noexcept : statement_(statement) {}
    StatementScope(const StatementScope&) = delete;
    StatementScope& operator=(const StatementScope&) = delete;
    ~StatementScope();

    Statement* operator->() noexcept { return &statement_; }
    Statement& operator*() noexcept { return statement_; }

  private:
    Statement& statement_;
};

}  // namespace synclatch::core::sqlite
