// The libpq connection, its results and the mapping of SQLSTATEs to Status values.
#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <cassert>
#include <charconv>
#include <cstring>

namespace synclatch::server {

namespace {

// libpq's messages span lines (with tabs) and end in a newline; a Status message is one line.
std::string one_line(const char* message) {
    std::string text;
    for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
        const bool space = *c == '\n' || *c == '\t' || *c == ' ';
        if (space && (text.empty() || text.back() == ' ')) continue;
        text += space ? ' ' : *c;
    }
    if (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

Status lost(PGconn* conn) {
    // libpq's report, with whatever the server said last (a FATAL before it went) but no SQLSTATE.
    return {Errc::unavailable, "PostgreSQL: the connection is lost: " + one_line(PQerrorMessage(conn)) +
                                   " (no SQLSTATE with it; taken as 08006 connection_failure)"};
}

Errc errc_of(std::string_view sqlstate) {
    if (sqlstate == "40001" || sqlstate == "40P01") return Errc::busy;
    if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
        return Errc::unavailable;
    if (sqlstate == "23505") return Errc::conflict;
    return Errc::storage;
}

// The Status of a failed result (result may be null: libpq could not even make one).
Status failure(PGconn* conn, const PGresult* result) {
    const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    if (sqlstate == nullptr) {
        // libpq's own errors carry no SQLSTATE: a dropped connection, or (with the connection still up) an
        // answer it did not understand.
        if (PQstatus(conn) != CONNECTION_OK) return lost(conn);
        const char* message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
        return {Errc::storage, "PostgreSQL: " + one_line(message) + " (no SQLSTATE)"};
    }
    // The primary message only: the detail can quote row values (a unique violation's key), and a Status
    // message may reach a client.
    std::string message = "PostgreSQL: ";
    message += one_line(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
    message += " (SQLSTATE ";
    message += sqlstate;
    message += ')';
    // The server may have ended the session after its error (57P01 and the like); whatever the SQLSTATE, a
    // connection that is gone is unavailable.
    const Errc code = PQstatus(conn) != CONNECTION_OK ? Errc::unavailable : errc_of(sqlstate);
    return {code, std::move(message)};
}

// NOTICEs (such as "relation already exists, skipping") are for an interactive user; libpq would print them
// to stderr.
void ignore_notice(void*, const char*) {}

}  // namespace

bool is_pg_conninfo(std::string_view conninfo) {
    return conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://") ||
           conninfo.find('=') != std::string_view::npos;
}

std::string pg_conninfo_for_logs(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) return "(a malformed PostgreSQL URL)";
    std::string user, host, port, database;
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
        if (option->val == nullptr) continue;
        const std::string_view keyword = option->keyword;
        if (keyword == "user") user = option->val;
        if (keyword == "host") host = option->val;
        if (keyword == "port") port = option->val;
        if (keyword == "dbname") database = option->val;
    }
    PQconninfoFree(options);
    std::string shown = "postgresql://";
    if (!user.empty()) shown.append(user).push_back('@');
    shown.append(host);
    if (!port.empty()) shown.append(":").append(port);
    shown.append("/").append(database);
    return shown;
}

int PgConnection::socket() const noexcept {
    return PQsocket(conn_);
}

Result<std::vector<PgConnection::Notification>> PgConnection::take_notifications() {
    if (PQconsumeInput(conn_) == 0) return lost(conn_);
    std::vector<Notification> received;
    while (PGnotify* notice = PQnotifies(conn_)) {
        received.push_back({notice->relname, notice->extra});
        PQfreemem(notice);
    }
    return received;
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
    if (this != &other) {
        PQclear(result_);
        result_ = std::exchange(other.result_, nullptr);
    }
    return *this;
}

PgResult::~PgResult() {
    PQclear(result_);
}

int PgResult::rows() const noexcept {
    return PQntuples(result_);
}

int PgResult::columns() const noexcept {
    return PQnfields(result_);
}

std::int64_t PgResult::affected_rows() const noexcept {
    const char* tuples = PQcmdTuples(result_);
    std::int64_t count = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), count);  // "" (not a row count) leaves 0
    return count;
}

bool PgResult::is_null(int row, int column) const noexcept {
    assert(row >= 0 && row < rows() && column >= 0 && column < columns());
    return PQgetisnull(result_, row, column) == 1;
}

std::string_view PgResult::text(int row, int column) const noexcept {
    assert(row >= 0 && row < rows() && column >= 0 && column < columns());
    return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::optional<std::string> PgResult::optional_text(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return std::string(text(row, column));
}

std::int64_t PgResult::int64(int row, int column) const noexcept {
    assert(!is_null(row, column) && "int64() of a NULL cell");
    const std::string_view cell = text(row, column);
    std::int64_t value = 0;
    [[maybe_unused]] const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    assert(error == std::errc() && end == cell.data() + cell.size() &&
           "int64() of a cell that is not an integer");
    return value;
}

Result<PgConnection> PgConnection::open(const std::string& conninfo) {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
    if (parsed == nullptr) {
        Status bad{Errc::invalid_argument,
                   "PostgreSQL connection string: " +
                       (parse_error != nullptr ? one_line(parse_error) : std::string("out of memory"))};
        PQfreemem(parse_error);
        return bad;
    }
    PQconninfoFree(parsed);

    // Our settings come before "dbname", which expand_dbname expands into the conninfo's own settings:
    // libpq lets later entries win, so what the operator wrote in the URL overrides these defaults.
    const std::string timeout = std::to_string(kConnectTimeoutSeconds);
    const char* const keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                                    nullptr};
    const char* const values[] = {timeout.c_str(), "synclatch-server", "UTF8", conninfo.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, 1);
    if (conn == nullptr) return Status{Errc::unavailable, "PostgreSQL: cannot connect: out of memory"};
    PgConnection connection(conn);
    if (PQstatus(conn) != CONNECTION_OK)
        return Status{Errc::unavailable, "PostgreSQL: cannot connect: " + one_line(PQerrorMessage(conn))};
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
    return connection;
}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
    if (this != &other) {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = std::exchange(other.conn_, nullptr);
        prepared_ = std::move(other.prepared_);
    }
    return *this;
}

PgConnection::~PgConnection() {
    if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::usable() const noexcept {
    return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

Result<PgResult> PgConnection::exec(PgSql sql, const std::vector<PgParam>& params) {
    assert(conn_ != nullptr && "exec() on a moved-from PgConnection");
    // A connection already known to be lost fails at once, with what libpq said when it was lost.
    if (PQstatus(conn_) != CONNECTION_OK) return lost(conn_);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params)
        values.push_back(param.is_null() ? nullptr : param.text()->c_str());
    auto name = prepared(sql, static_cast<int>(values.size()));
    if (!name) return name.status();
    // Lengths and formats null: every parameter is NUL-terminated text, every result column text.
    PgResult result(
        PQexecPrepared(conn_, *name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
    if (result.result_ == nullptr) return failure(conn_, nullptr);
    switch (PQresultStatus(result.result_)) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
            return result;
        case PGRES_FATAL_ERROR:
        case PGRES_NONFATAL_ERROR:
        case PGRES_BAD_RESPONSE:
            return failure(conn_, result.result_);
        default:
            // An empty statement, COPY, pipelines: none is written in synclatch's SQL.
            assert(false && "a statement PgConnection::exec does not run");
            return Status{Errc::internal, std::string("PostgreSQL: unexpected result ") +
                                              PQresStatus(PQresultStatus(result.result_)) +
                                              " for: " + sql.text()};
    }
}

Result<const char*> PgConnection::prepared(PgSql sql, int params) {
    if (auto known = prepared_.find(sql.text()); known != prepared_.end()) return known->second.c_str();
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    // Parameter types null: PostgreSQL infers them, as it would for the statement run unprepared.
    PgResult made(PQprepare(conn_, name.c_str(), sql.text(), params, nullptr));
    if (made.result_ == nullptr) return failure(conn_, nullptr);
    if (PQresultStatus(made.result_) != PGRES_COMMAND_OK) return failure(conn_, made.result_);
    return prepared_.emplace(sql.text(), std::move(name)).first->second.c_str();
}

Status PgConnection::begin(PgIsolation isolation) {
    assert(conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_INTRANS &&
           PQtransactionStatus(conn_) != PQTRANS_INERROR && "transaction() inside a transaction");
    Result<PgResult> begun = [&] {
        switch (isolation) {
            case PgIsolation::repeatable_read:
                return exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
            case PgIsolation::serializable:
                return exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
            case PgIsolation::read_committed:
                break;
        }
        return exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    }();
    return begun.status();
}

Status PgConnection::commit() {
    if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
        // PostgreSQL would answer COMMIT with ROLLBACK (and no error): say so instead of reporting success.
        rollback();
        return {Errc::internal,
                "PostgreSQL: a statement failed inside the transaction, and its error was not returned; the "
                "transaction was rolled back"};
    }
    Result<PgResult> committed = exec("COMMIT");
    if (!committed) {
        rollback();  // a failed COMMIT has ended the transaction already; this covers a lost connection
        return committed.status();
    }
    return {};
}

void PgConnection::rollback() noexcept {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) return;  // the server rolls back on its own
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    try {
        exec("ROLLBACK")
            .status()
            .ignore();  // when it fails the connection is gone, and so is the transaction
    } catch (...) {
        // Only std::bad_alloc can reach here; the transaction ends with the session either way.
    }
}

}  // namespace synclatch::server
