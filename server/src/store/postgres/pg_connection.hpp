// PgConnection: one libpq connection to the server's PostgreSQL database, with statements that take only
// text parameters, results that free themselves, and transactions that roll back whatever goes wrong.
// PostgreSQL's errors become synclatch Status values by their SQLSTATE (see PgConnection::exec). libpq's
// own types stay in store/postgres/*.cpp; this header only names them.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"

struct pg_conn;    // libpq's PGconn
struct pg_result;  // libpq's PGresult

namespace synclatch::server {

// SQL text written in the code. The constructor is consteval, so a PgSql can only be made from a string
// the compiler knows (a literal or a constexpr constant): SQL can never be assembled from input, and
// every value a statement needs travels as a parameter.
class PgSql {
  public:
    consteval PgSql(const char* text) : text_(text) {}  // NOLINT: implicit by design, for literals
    const char* text() const noexcept { return text_; }

  private:
    const char* text_;
};

// A statement parameter: NULL, text, or an integer (sent as its decimal text; the statement casts it, as
// in `$1::bigint`, where PostgreSQL cannot infer the type). Everything goes in PostgreSQL's text format.
class PgParam {
  public:
    PgParam() = default;                                                  // NULL
    PgParam(std::nullopt_t) {}                                            // NOLINT: NULL
    PgParam(std::string text) : text_(std::move(text)) {}                 // NOLINT
    PgParam(std::string_view text) : text_(std::string(text)) {}          // NOLINT
    PgParam(const char* text) : text_(std::string(text)) {}               // NOLINT
    PgParam(std::optional<std::string> text) : text_(std::move(text)) {}  // NOLINT
    template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>) PgParam(I value)
        : text_(std::to_string(value)) {}  // NOLINT

    bool is_null() const noexcept { return !text_.has_value(); }
    const std::optional<std::string>& text() const noexcept { return text_; }

  private:
    std::optional<std::string> text_;
};

// The rows of one statement (or only its command status, for statements that return none). Cells are
// addressed (row, column) from 0; an index out of range is a programmer error (asserted).
// Thread-safety: a const PgResult may be read from several threads.
class PgResult {
  public:
    PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
    PgResult& operator=(PgResult&& other) noexcept;
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;
    ~PgResult();

    int rows() const noexcept;
    int columns() const noexcept;
    // Rows that an INSERT, UPDATE or DELETE touched (0 for other statements).
    std::int64_t affected_rows() const noexcept;

    bool is_null(int row, int column) const noexcept;
    // The cell's text ("" for NULL), valid while this PgResult lives.
    std::string_view text(int row, int column) const noexcept;
    std::optional<std::string> optional_text(int row, int column) const;
    // An integer cell (smallint, integer, bigint). NULL or a cell that is not an integer is a programmer
    // error: asserted, and 0 in a build without assertions.
    std::int64_t int64(int row, int column) const noexcept;

  private:
    friend class PgConnection;
    explicit PgResult(pg_result* result) noexcept : result_(result) {}
    pg_result* result_;
};

// Whether a --store value names a PostgreSQL database: a postgresql:// or postgres:// URL, or a libpq
// "key=value ..." string.
bool is_pg_conninfo(std::string_view conninfo);
// A conninfo fit for a log line: postgresql://USER@HOST:PORT/DATABASE, never the password (nor any other
// parameter); "(a malformed PostgreSQL URL)" when libpq cannot parse it.
std::string pg_conninfo_for_logs(const std::string& conninfo);

enum class PgIsolation { read_committed, repeatable_read, serializable };

// Thread-safety: one thread at a time per connection (libpq's rule); separate connections may be used
// from separate threads. Every call blocks the calling thread until PostgreSQL answers.
class PgConnection {
  public:
    // Connects to `conninfo`: a postgresql:// URL or a "key=value ..." string. Unless it says otherwise,
    // the connection attempt gives up after kConnectTimeoutSeconds, introduces itself as
    // application_name=synclatch-server and speaks UTF-8. A malformed conninfo is Errc::invalid_argument;
    // a server that cannot be reached, or refuses the connection, is Errc::unavailable.
    static Result<PgConnection> open(const std::string& conninfo);
    static constexpr int kConnectTimeoutSeconds = 10;

    PgConnection(PgConnection&& other) noexcept
        : conn_(std::exchange(other.conn_, nullptr)), prepared_(std::move(other.prepared_)) {}
    PgConnection& operator=(PgConnection&& other) noexcept;
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    ~PgConnection();

    // Runs one statement (one statement per call, parameters $1, $2, ... in text format). Each statement
    // is prepared on this connection the first time it runs and executed by name after that, so that
    // PostgreSQL parses and plans it once per connection rather than once per call: a PgSql is a literal,
    // and its address names it.
    // PostgreSQL's errors map by SQLSTATE, and every message names it:
    // - 40001 serialization_failure, 40P01 deadlock_detected: Errc::busy (retryable: run the whole
    //   transaction again, as SQLite's SQLITE_BUSY is; the HTTP layer answers TooManyRequestsException);
    // - 08xxx connection exceptions, 57P01-57P03 (shutdown, crash, starting up) and a connection that is
    //   lost: Errc::unavailable (the connection is then unusable: open another);
    // - 23505 unique_violation: Errc::conflict;
    // - anything else: Errc::storage, with PostgreSQL's message.
    Result<PgResult> exec(PgSql sql, const std::vector<PgParam>& params = {});

    // Runs fn(*this) between BEGIN and COMMIT. A failed Status from fn, or an exception (rethrown), rolls
    // back; so does COMMIT itself when it fails (40001 at commit under serializable, a lost connection),
    // whose Status is then returned. A statement that failed inside fn aborts the transaction in
    // PostgreSQL even when fn ignored its Status: that is rolled back and reported as Errc::internal.
    // Not re-entrant: fn must not call transaction() on the same connection.
    template <class Fn>
    Status transaction(Fn&& fn, PgIsolation isolation = PgIsolation::read_committed) {
        if (Status begun = begin(isolation); !begun) return begun;
        Status outcome;
        try {
            outcome = std::forward<Fn>(fn)(*this);
        } catch (...) {
            rollback();
            throw;
        }
        if (!outcome) {
            rollback();
            return outcome;
        }
        return commit();
    }

    // False once the connection is known to be lost.
    bool usable() const noexcept;

    // For a connection that LISTENs: its socket, to wait on (readable when PostgreSQL sent something), and
    // the notifications received so far, as (channel, payload), after reading what arrived. unavailable when
    // the connection is lost.
    int socket() const noexcept;
    struct Notification {
        std::string channel;
        std::string payload;
    };
    Result<std::vector<Notification>> take_notifications();

  private:
    explicit PgConnection(pg_conn* conn) noexcept : conn_(conn) {}
    Status begin(PgIsolation isolation);
    Status commit();
    void rollback() noexcept;
    // The name of sql's prepared statement on this connection, prepared now if it is not yet.
    Result<const char*> prepared(PgSql sql, int params);

    pg_conn* conn_;
    // Statement names by the address of their text ("s1", "s2", ...). Prepared statements outlive
    // transactions, rolled back or not, and end with the session.
    std::unordered_map<const char*, std::string> prepared_;
};

}  // namespace synclatch::server
