// SnapshotReaders: reads on an IoPool thread share a snapshot until something is committed or the loop's
// batch of work ends, and never miss a commit made before they start.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <boost/asio/post.hpp>

#include "http/io_pool.hpp"
#include "store/sqlite/snapshot_readers.hpp"
#include "support/temp_dir.hpp"

using synclatch::core::sqlite::Database;
using synclatch::core::sqlite::OpenOptions;
using synclatch::core::sqlite::StatementScope;
using synclatch::server::IoPool;
using synclatch::server::SnapshotReaders;

namespace {

struct Fixture {
    Fixture() : writer(dir.file("t.db"), {}) {
        writer.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)");
        writer.count_commits(commits);
    }

    std::int64_t read_value(SnapshotReaders& readers) {
        return readers.read([](Database& db) {
            StatementScope select(db.cached("SELECT v FROM t"));
            select->step();
            return select->column_int64(0);
        });
    }
    void write_value(std::int64_t v) {
        StatementScope update(writer.cached("UPDATE t SET v = ?1"));
        update->bind(1, v).run();
    }

    synclatch::test::TempDir dir;
    std::atomic<std::uint64_t> commits{0};
    Database writer;
};

// Runs fn as one handler of a one-thread IoPool, then lets the pool end.
template <class Fn>
void on_loop_thread(IoPool& pool, Fn fn) {
    boost::asio::post(pool.main(), [&pool, fn] {
        fn();
        pool.release();
    });
    pool.run();
}

}  // namespace

TEST_CASE("SnapshotReaders: reads in one batch of a loop share a snapshot until a commit",
          "[server][store]") {
    Fixture f;
    SnapshotReaders readers(f.dir.file("t.db"), {}, f.commits);
    IoPool pool(1);
    on_loop_thread(pool, [&] {
        CHECK(f.read_value(readers) == 1);
        CHECK(f.read_value(readers) == 1);
        CHECK(readers.snapshots_begun() == 1);  // the second read reused the first's snapshot

        f.write_value(2);  // acknowledged once this returns
        CHECK(f.read_value(readers) == 2);
        CHECK(readers.snapshots_begun() == 2);
        CHECK(f.read_value(readers) == 2);
        CHECK(readers.snapshots_begun() == 2);
    });
}

TEST_CASE("SnapshotReaders: the snapshot ends with the loop's batch of work", "[server][store]") {
    Fixture f;
    SnapshotReaders readers(f.dir.file("t.db"), {}, f.commits);
    IoPool pool(1);
    std::uint64_t begun_in_second_batch = 0;
    boost::asio::post(pool.main(), [&] {
        CHECK(f.read_value(readers) == 1);
        boost::asio::post(pool.main(), [&] {  // queued behind the snapshot's end
            // Ended: a checkpoint can take the whole WAL, and the next read begins a new snapshot.
            f.write_value(3);
            int log_frames = -1;
            int checkpointed = -1;
            CHECK(sqlite3_wal_checkpoint_v2(f.writer.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                            &log_frames, &checkpointed) == SQLITE_OK);
            CHECK(checkpointed == log_frames);
            CHECK(f.read_value(readers) == 3);
            begun_in_second_batch = readers.snapshots_begun();
            pool.release();
        });
    });
    pool.run();
    CHECK(begun_in_second_batch == 2);
}

TEST_CASE("SnapshotReaders: a read inside a read has a connection of its own", "[server][store]") {
    Fixture f;
    SnapshotReaders readers(f.dir.file("t.db"), {}, f.commits);
    IoPool pool(1);
    on_loop_thread(pool, [&] {
        readers.read([&](Database& db) {
            StatementScope select(db.cached("SELECT v FROM t"));
            REQUIRE(select->step());
            f.write_value(4);
            CHECK(f.read_value(readers) == 4);    // a fresh snapshot, on another connection
            CHECK(select->column_int64(0) == 1);  // the outer read's statement is left alone
            return 0;
        });
        CHECK(f.read_value(readers) == 4);
    });
}

TEST_CASE("SnapshotReaders: off a loop thread each read takes a fresh snapshot", "[server][store]") {
    Fixture f;
    SnapshotReaders readers(f.dir.file("t.db"), {}, f.commits);
    CHECK(f.read_value(readers) == 1);
    f.write_value(5);
    CHECK(f.read_value(readers) == 5);
    CHECK(readers.snapshots_begun() == 0);  // none kept: the pool's transactions end with each read
}
