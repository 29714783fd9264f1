// The SQLite wrapper: transactions, the statement cache, migrations and error mapping.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <array>
#include <atomic>
#include <filesystem>

#include "support/temp_dir.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/migrations.hpp"
#include "synclatch/sqlite/transaction.hpp"

using namespace synclatch::core::sqlite;
using synclatch::Errc;

namespace {

std::int64_t count_rows(Database& db) {
    StatementScope count(db.cached("SELECT COUNT(*) FROM t"));
    count->step();
    return count->column_int64(0);
}

void insert(Database& db, std::int64_t value) {
    StatementScope insert(db.cached("INSERT INTO t (v) VALUES (?1)"));
    insert->bind(1, value).run();
}

}  // namespace

TEST_CASE("Transaction: rolls back when not committed", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    Database db(dir.file("t.db"), {});
    db.exec("CREATE TABLE t (v INTEGER)");
    {
        Transaction tx(db);
        insert(db, 1);
        CHECK(tx.state() == Transaction::State::active);
    }
    CHECK(count_rows(db) == 0);
    CHECK_FALSE(db.in_transaction());
}

TEST_CASE("Transaction: commit keeps the writes and ends the transaction", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    Database db(dir.file("t.db"), {});
    db.exec("CREATE TABLE t (v INTEGER)");
    {
        Transaction tx(db);
        insert(db, 1);
        tx.commit();
        CHECK(tx.state() == Transaction::State::committed);
    }
    CHECK(count_rows(db) == 1);
}

TEST_CASE("Transaction: an explicit rollback is recorded and not repeated", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    Database db(dir.file("t.db"), {});
    db.exec("CREATE TABLE t (v INTEGER)");
    {
        Transaction tx(db);
        insert(db, 1);
        tx.rollback();
        CHECK(tx.state() == Transaction::State::rolled_back);
        tx.rollback();  // idempotent
        // A new transaction on the same connection must not be rolled back by the old one's destructor.
        insert(db, 2);
    }
    CHECK(count_rows(db) == 1);
}

TEST_CASE("Transaction: immediate transactions take the write lock at BEGIN", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    OpenOptions quick;
    quick.busy_timeout = std::chrono::milliseconds(0);
    Database a(dir.file("t.db"), quick);
    a.exec("CREATE TABLE t (v INTEGER)");
    Database b(dir.file("t.db"), quick);
    Transaction holding(a, Transaction::Mode::immediate);
    try {
        Transaction blocked(b, Transaction::Mode::immediate);
        FAIL("a second immediate transaction began while the first held the lock");
    } catch (const SqliteError& e) {
        CHECK(to_status(e).code() == Errc::busy);
        CHECK(to_status(e).retryable());
    }
}

TEST_CASE("Database: statements are prepared once and reset after each use", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    Database db(dir.file("t.db"), {});
    db.exec("CREATE TABLE t (v INTEGER)");
    Statement* first = &db.cached("SELECT v FROM t WHERE v = ?1");
    Statement* again = &db.cached("SELECT v FROM t WHERE v = ?1");
    CHECK(first == again);
    insert(db, 7);
    insert(db, 8);
    for (std::int64_t v : {7, 8}) {
        StatementScope select(db.cached("SELECT v FROM t WHERE v = ?1"));
        select->bind(1, v);
        REQUIRE(select->step());
        CHECK(select->column_int64(0) == v);
    }
    CHECK(count_rows(db) == 2);
}

TEST_CASE("Database: opens in WAL mode with the requested synchronous level", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    Database db(dir.file("t.db"), {});
    StatementScope mode(db.cached("PRAGMA journal_mode"));
    REQUIRE(mode->step());
    CHECK(mode->column_string(0) == "wal");
    StatementScope sync(db.cached("PRAGMA synchronous"));
    REQUIRE(sync->step());
    CHECK(sync->column_int64(0) == 2);  // FULL
}

TEST_CASE("Database: count_commits counts each commit and still checkpoints the WAL", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    OpenOptions options;
    options.synchronous_full = false;  // speed: durability is not what this test is about
    Database db(dir.file("t.db"), options);
    db.exec("CREATE TABLE t (v INTEGER)");
    std::atomic<std::uint64_t> commits{0};
    db.count_commits(commits);

    insert(db, 1);  // autocommit: one commit
    CHECK(commits == 1);
    {
        Transaction tx(db);
        insert(db, 2);
        insert(db, 3);
        CHECK(commits == 1);  // counted when done, not before
        tx.commit();
    }
    CHECK(commits == 2);
    {
        Transaction tx(db);
        insert(db, 4);
    }  // rolled back: nothing committed
    CHECK(commits == 2);

    // The hook replaces SQLite's automatic checkpoint: without its own, 3,000 commits would leave at least
    // 3,000 frames (12 MB of 4 KiB pages) in the WAL; checkpointed at 1,000 frames, it restarts instead.
    for (int i = 0; i < 3000; ++i)
        insert(db, i);
    CHECK(commits == 3002);
    CHECK(std::filesystem::file_size(dir.file("t.db-wal")) < 1100u * 4096u);
}

TEST_CASE("Database: a file that is not a database is reported as corrupt", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    {
        std::FILE* f = std::fopen(dir.file("junk.db").c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs("this is not an SQLite database, just text long enough to be read as a header......", f);
        std::fclose(f);
    }
    try {
        Database db(dir.file("junk.db"), {});
        db.exec("SELECT * FROM sqlite_master");
        FAIL("opened a text file as a database");
    } catch (const SqliteError& e) {
        CHECK(to_status(e).code() == Errc::corrupt);
    }
}

TEST_CASE("Migrations: apply in order once and record user_version", "[core][sqlite]") {
    synclatch::test::TempDir dir;
    constexpr std::array<const char*, 2> steps = {"CREATE TABLE t (v INTEGER)",
                                                  "INSERT INTO t (v) VALUES (42)"};
    {
        Database db(dir.file("m.db"), {});
        migrate(db, steps);
        migrate(db, steps);  // nothing left to do: the insert must not run twice
        CHECK(count_rows(db) == 1);
        StatementScope version(db.cached("PRAGMA user_version"));
        version->step();
        CHECK(version->column_int64(0) == 2);
    }
    SECTION("a newer schema than known is refused and left untouched") {
        Database db(dir.file("m.db"), {});
        constexpr std::array<const char*, 1> older = {"CREATE TABLE t (v INTEGER)"};
        CHECK_THROWS_AS(migrate(db, older), SqliteError);
        CHECK(count_rows(db) == 1);
    }
    SECTION("a failing step leaves the schema as it was") {
        Database db(dir.file("m.db"), {});
        constexpr std::array<const char*, 4> broken = {steps[0], steps[1], "CREATE TABLE u (x)", "NOT SQL"};
        CHECK_THROWS_AS(migrate(db, broken), SqliteError);
        StatementScope version(db.cached("PRAGMA user_version"));
        version->step();
        CHECK(version->column_int64(0) == 2);
        StatementScope table(db.cached("SELECT COUNT(*) FROM sqlite_master WHERE name = 'u'"));
        table->step();
        CHECK(table->column_int64(0) == 0);
    }
}
