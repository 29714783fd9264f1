// Stream appends on PostgreSQL: sequence numbers grow in commit order even when a writer that started
// later is the one held back, so a reader never sees a number below one it has seen.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_migrations.hpp"
#include "store/postgres/pg_stream_appends.hpp"
#include "support/pg_test_database.hpp"

using synclatch::Status;
using synclatch::server::NewStreamRecord;
using synclatch::server::pg_append_stream_records;
using synclatch::server::PgConnection;
using synclatch::test::connect_pg;
using synclatch::test::fresh_pg_database;

namespace {

std::string migrated_database() {
    const std::string url = fresh_pg_database("streams_");
    PgConnection connection = connect_pg(url);
    const Status migrated =
        synclatch::server::pg_migrate(connection, synclatch::server::pg_server_migrations());
    INFO(migrated.to_string());
    REQUIRE(migrated.ok());
    return url;
}

// The sequence numbers a reader sees now, in order.
std::vector<std::int64_t> visible(PgConnection& reader) {
    auto rows = reader.exec("SELECT seq FROM stream_records ORDER BY seq");
    REQUIRE(rows.ok());
    std::vector<std::int64_t> seqs;
    for (int row = 0; row < rows->rows(); ++row)
        seqs.push_back(rows->int64(row, 0));
    return seqs;
}

// Whether a session of this application waits for a lock (bounded: gives up after about 10 s).
bool someone_waits_for_a_lock(PgConnection& observer) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        auto waiting = observer.exec(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
            "current_database()");
        REQUIRE(waiting.ok());
        if (waiting->int64(0, 0) > 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace

TEST_CASE("Stream appends: a writer that took its numbers first commits first", "[server][postgres]") {
    const std::string url = migrated_database();
    PgConnection first = connect_pg(url);
    PgConnection second = connect_pg(url);
    PgConnection reader = connect_pg(url);

    std::vector<std::int64_t> first_seqs;
    std::vector<std::int64_t> second_seqs;
    std::thread second_writer;
    std::vector<std::int64_t> seen_while_first_was_open;
    const Status first_done = first.transaction([&](PgConnection& tx) -> Status {
        auto seqs =
            pg_append_stream_records(tx, "dataset-changes", {{"p", "{\"n\":1}"}, {"p", "{\"n\":2}"}}, 1);
        if (!seqs) return seqs.status();
        first_seqs = *seqs;
        // A second writer appends now; it must wait for this transaction, not take a number and commit
        // before it.
        second_writer = std::thread([&] {
            const Status done = second.transaction([&](PgConnection& tx2) -> Status {
                auto more = pg_append_stream_records(tx2, "dataset-changes", {{"q", "{\"n\":3}"}}, 2);
                if (!more) return more.status();
                second_seqs = *more;
                return {};
            });
            CHECK(done.ok());
        });
        CHECK(someone_waits_for_a_lock(reader));
        seen_while_first_was_open = visible(reader);
        return {};  // the deliberate delay is over: commit
    });
    second_writer.join();
    INFO(first_done.to_string());
    REQUIRE(first_done.ok());

    CHECK(seen_while_first_was_open.empty());  // nothing committed, nothing visible: no gap to skip later
    REQUIRE(first_seqs.size() == 2);
    REQUIRE(second_seqs.size() == 1);
    CHECK(first_seqs[0] < first_seqs[1]);
    CHECK(first_seqs[1] < second_seqs[0]);  // the later commit has the higher number
    CHECK(visible(reader) == std::vector<std::int64_t>{first_seqs[0], first_seqs[1], second_seqs[0]});
}

TEST_CASE("Stream appends: a rolled-back writer leaves no record, and later numbers still grow",
          "[server][postgres]") {
    const std::string url = migrated_database();
    PgConnection writer = connect_pg(url);
    PgConnection reader = connect_pg(url);

    std::int64_t rolled_back = 0;
    const Status failed = writer.transaction([&](PgConnection& tx) -> Status {
        auto seqs = pg_append_stream_records(tx, "events", {{"p", "{}"}}, 1);
        if (!seqs) return seqs.status();
        rolled_back = seqs->front();
        return {synclatch::Errc::conflict, "the write it described failed"};
    });
    CHECK(failed.code() == synclatch::Errc::conflict);
    CHECK(visible(reader).empty());

    std::int64_t kept = 0;
    REQUIRE(writer
                .transaction([&](PgConnection& tx) -> Status {
                    auto seqs = pg_append_stream_records(tx, "events", {{"p", "{}"}}, 2);
                    if (!seqs) return seqs.status();
                    kept = seqs->front();
                    return {};
                })
                .ok());
    CHECK(kept > rolled_back);
    CHECK(visible(reader) == std::vector<std::int64_t>{kept});
}
