// PgConnection against a private PostgreSQL 15 cluster: parameters stay data and round-trip exactly,
// transactions end one way or the other, and PostgreSQL's errors become the Status codes the server acts
// on (a retryable busy, a conflict, unavailable).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "store/postgres/pg_connection.hpp"
#include "support/pg_test_database.hpp"
#include "support/postgres_cluster.hpp"

using synclatch::Errc;
using synclatch::Status;
using synclatch::server::PgConnection;
using synclatch::server::PgIsolation;
using synclatch::server::PgParam;
using synclatch::test::connect_pg;
using synclatch::test::fresh_pg_database;
using synclatch::test::PostgresCluster;

namespace {

void run(PgConnection& connection, synclatch::server::PgSql sql, const std::vector<PgParam>& params = {}) {
    auto result = connection.exec(sql, params);
    INFO(result.status().to_string());
    REQUIRE(result.ok());
}

}  // namespace

TEST_CASE("PostgresCluster: starts and answers SELECT 1", "[server][postgres]") {
    PgConnection connection = connect_pg(PostgresCluster::shared().url());
    auto result = connection.exec("SELECT 1");
    INFO(result.status().to_string());
    REQUIRE(result.ok());
    REQUIRE(result->rows() == 1);
    REQUIRE(result->columns() == 1);
    CHECK(result->int64(0, 0) == 1);
    CHECK(connection.usable());
}

TEST_CASE("PgConnection: parameters round-trip text, NULL and int64 extremes", "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("conn_"));
    const std::string quoted = R"(it's "quoted", a \backslash, $1 and -- no comment)";
    const std::string unicode =
        "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89";
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();

    auto result =
        connection.exec("SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text IS NULL",
                        {quoted, unicode, PgParam(), kMin, kMax, std::nullopt});
    INFO(result.status().to_string());
    REQUIRE(result.ok());
    REQUIRE(result->rows() == 1);
    CHECK(result->text(0, 0) == quoted);
    CHECK(result->text(0, 1) == unicode);
    CHECK(result->is_null(0, 2));
    CHECK_FALSE(result->optional_text(0, 2).has_value());
    CHECK(result->text(0, 2).empty());
    CHECK(result->int64(0, 3) == kMin);
    CHECK(result->int64(0, 4) == kMax);
    CHECK(result->text(0, 5) == "t");

    SECTION("through a table") {
        run(connection, "CREATE TABLE t (id BIGINT PRIMARY KEY, value TEXT)");
        auto inserted = connection.exec("INSERT INTO t (id, value) VALUES ($1, $2), ($3, $4), ($5, $6)",
                                        {kMin, quoted, kMax, unicode, 0, std::nullopt});
        REQUIRE(inserted.ok());
        CHECK(inserted->affected_rows() == 3);
        auto rows = connection.exec("SELECT id, value FROM t ORDER BY id");
        REQUIRE(rows.ok());
        REQUIRE(rows->rows() == 3);
        CHECK(rows->int64(0, 0) == kMin);
        CHECK(rows->optional_text(0, 1) == quoted);
        CHECK(rows->int64(1, 0) == 0);
        CHECK(rows->is_null(1, 1));
        CHECK(rows->int64(2, 0) == kMax);
        CHECK(rows->optional_text(2, 1) == unicode);
    }
}

TEST_CASE("PgConnection: a SQL injection attempt through a parameter stays data", "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("conn_"));
    run(connection, "CREATE TABLE names (name TEXT NOT NULL)");
    const std::string attack = "x'); DROP TABLE names; --";
    run(connection, "INSERT INTO names (name) VALUES ($1)", {attack});

    auto found = connection.exec("SELECT name FROM names WHERE name = $1", {attack});
    REQUIRE(found.ok());
    REQUIRE(found->rows() == 1);
    CHECK(found->text(0, 0) == attack);
    auto also = connection.exec("SELECT count(*) FROM names WHERE name = $1", {"x' OR '1'='1"});
    REQUIRE(also.ok());
    CHECK(also->int64(0, 0) == 0);
    auto table = connection.exec("SELECT to_regclass('names') IS NOT NULL");
    REQUIRE(table.ok());
    CHECK(table->text(0, 0) == "t");
}

TEST_CASE("PgConnection: a unique violation is a conflict", "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("conn_"));
    run(connection, "CREATE TABLE keys (name TEXT PRIMARY KEY)");
    run(connection, "INSERT INTO keys (name) VALUES ($1)", {"one"});

    auto again = connection.exec("INSERT INTO keys (name) VALUES ($1)", {"one"});
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Errc::conflict);
    CHECK_FALSE(again.status().retryable());
    CHECK_THAT(again.status().message(), Catch::Contains("SQLSTATE 23505"));
    CHECK(connection.usable());  // an error in a statement leaves the connection as it was
    CHECK(connection.exec("SELECT 1").ok());
}

TEST_CASE("PgConnection: a serialization failure is retryable", "[server][postgres]") {
    const std::string url = fresh_pg_database("conn_");
    PgConnection first = connect_pg(url);
    PgConnection second = connect_pg(url);
    run(first, "CREATE TABLE counters (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)");
    run(first, "INSERT INTO counters (id, value) VALUES (1, 0)");

    const auto isolation = GENERATE(PgIsolation::repeatable_read, PgIsolation::serializable);
    // The first transaction reads the row (its snapshot starts there); the second updates the same row and
    // commits; the first's update then cannot be serialized after it.
    Status inner;
    const Status outer = first.transaction(
        [&](PgConnection& tx) -> Status {
            if (auto read = tx.exec("SELECT value FROM counters WHERE id = 1"); !read) return read.status();
            inner = second.transaction(
                [](PgConnection& other) {
                    return other.exec("UPDATE counters SET value = value + 1 WHERE id = 1").status();
                },
                isolation);
            return tx.exec("UPDATE counters SET value = value + 10 WHERE id = 1").status();
        },
        isolation);

    INFO(inner.to_string());
    REQUIRE(inner.ok());
    INFO(outer.to_string());
    CHECK(outer.code() == Errc::busy);
    CHECK(outer.retryable());
    CHECK_THAT(outer.message(), Catch::Contains("SQLSTATE 40001"));
    // The first transaction rolled back: only the second's write is there, and the connection goes on.
    auto value = first.exec("SELECT value FROM counters WHERE id = 1");
    REQUIRE(value.ok());
    CHECK(value->int64(0, 0) == 1);
}

TEST_CASE("PgConnection: a transaction commits, or rolls back on a failed Status or an exception",
          "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("conn_"));
    run(connection, "CREATE TABLE items (name TEXT PRIMARY KEY)");
    auto count = [&] {
        auto rows = connection.exec("SELECT count(*) FROM items");
        REQUIRE(rows.ok());
        return rows->int64(0, 0);
    };

    SECTION("committed") {
        const Status done = connection.transaction(
            [](PgConnection& tx) { return tx.exec("INSERT INTO items (name) VALUES ($1)", {"a"}).status(); });
        CHECK(done.ok());
        CHECK(count() == 1);
    }
    SECTION("a failed Status") {
        const Status done = connection.transaction([](PgConnection& tx) {
            tx.exec("INSERT INTO items (name) VALUES ($1)", {"a"}).status().ignore();
            return Status{Errc::invalid_argument, "changed my mind"};
        });
        CHECK(done.code() == Errc::invalid_argument);
        CHECK(count() == 0);
    }
    SECTION("an exception") {
        CHECK_THROWS_AS(connection.transaction([](PgConnection& tx) -> Status {
            tx.exec("INSERT INTO items (name) VALUES ($1)", {"a"}).status().ignore();
            throw std::runtime_error("boom");
        }),
                        std::runtime_error);
        CHECK(count() == 0);
    }
    SECTION("a statement whose error was ignored") {
        const Status done = connection.transaction([](PgConnection& tx) {
            tx.exec("INSERT INTO items (name) VALUES ($1)", {"a"}).status().ignore();
            tx.exec("INSERT INTO items (name) VALUES ($1)", {"a"}).status().ignore();  // 23505
            return Status{};
        });
        CHECK(done.code() == Errc::internal);
        CHECK(count() == 0);
    }
    CHECK(connection.exec("SELECT 1").ok());  // and the connection is out of the transaction
}

TEST_CASE("PgConnection: a bad connection string is invalid_argument, a server not there unavailable",
          "[server][postgres]") {
    auto bad = PgConnection::open("postgresql://[not a host/postgres");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == Errc::invalid_argument);

    // Port 1 on loopback: nothing listens, the connection is refused at once.
    auto absent = PgConnection::open("postgresql://synclatch@127.0.0.1:1/postgres");
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.status().code() == Errc::unavailable);
    CHECK(absent.status().retryable());
}

TEST_CASE(
    "PostgresCluster: after kill_hard and restart, the old connection is unavailable and a new one "
    "works",
    "[server][postgres]") {
    PostgresCluster cluster;  // its own: the shared one is not killed under other tests
    PgConnection before = connect_pg(cluster.url());
    run(before, "CREATE TABLE kept (name TEXT PRIMARY KEY)");
    run(before, "INSERT INTO kept (name) VALUES ($1)", {"committed before the crash"});

    cluster.kill_hard();
    cluster.restart();

    auto lost = before.exec("SELECT 1");
    REQUIRE_FALSE(lost.ok());
    INFO(lost.status().to_string());
    CHECK(lost.status().code() == Errc::unavailable);
    CHECK(lost.status().retryable());
    CHECK_FALSE(before.usable());
    CHECK(before.exec("SELECT 1").status().code() == Errc::unavailable);  // and stays so

    PgConnection after = connect_pg(cluster.url());
    auto rows = after.exec("SELECT name FROM kept");
    REQUIRE(rows.ok());
    REQUIRE(rows->rows() == 1);
    CHECK(rows->text(0, 0) == "committed before the crash");
}
