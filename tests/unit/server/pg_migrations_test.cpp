// pg_migrate against a private PostgreSQL 15 cluster: it makes the schema once, however many instances run
// it at once, and refuses a database that a newer synclatch-server has migrated.
#include <catch2/catch.hpp>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_migrations.hpp"
#include "support/pg_test_database.hpp"

using synclatch::Errc;
using synclatch::Status;
using synclatch::server::pg_migrate;
using synclatch::server::pg_schema_version;
using synclatch::server::pg_server_migrations;
using synclatch::server::PgConnection;
using synclatch::server::PgSql;
using synclatch::test::connect_pg;
using synclatch::test::fresh_pg_database;

namespace {

std::int64_t count_rows(PgConnection& connection, PgSql sql) {
    auto rows = connection.exec(sql);
    INFO(rows.status().to_string());
    REQUIRE(rows.ok());
    return rows->int64(0, 0);
}

const auto kKnown = static_cast<std::int64_t>(pg_server_migrations().size());

}  // namespace

TEST_CASE("pg_migrate: makes the schema, and running it again changes nothing", "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("migrations_"));
    auto before = pg_schema_version(connection);
    REQUIRE(before.ok());
    CHECK(*before == 0);

    const Status first = pg_migrate(connection, pg_server_migrations());
    INFO(first.to_string());
    REQUIRE(first.ok());
    CHECK(pg_schema_version(connection).value_or(-1) == kKnown);
    CHECK(count_rows(connection, "SELECT count(*) FROM schema_version") == kKnown);
    // server_meta is there, with its key.
    REQUIRE(connection.exec("INSERT INTO server_meta (name, value) VALUES ($1, $2)", {"deployment_id", "d1"})
                .ok());
    CHECK(connection.exec("INSERT INTO server_meta (name, value) VALUES ($1, $2)", {"deployment_id", "d2"})
              .status()
              .code() == Errc::conflict);
    // The server's data tables are there, keyed as the engine needs: a record's key is unique per dataset.
    for (const char* table :
         {"identity_pools", "identities", "identity_logins", "credentials", "datasets", "records", "devices",
          "subscriptions", "stream_records", "stream_checkpoints", "applied_events", "leader_leases"}) {
        INFO(table);
        auto found = connection.exec("SELECT to_regclass($1) IS NOT NULL", {table});
        REQUIRE(found.ok());
        CHECK(found->text(0, 0) == "t");
    }
    REQUIRE(connection
                .exec("INSERT INTO identity_pools (pool_id, created, last_modified) VALUES ($1, 1, 1)",
                      {"us-east-1:pool"})
                .ok());
    REQUIRE(
        connection
            .exec(
                "INSERT INTO identities (identity_id, pool_id, created, last_modified) VALUES ($1, $2, 1, 1)",
                {"us-east-1:id", "us-east-1:pool"})
            .ok());
    constexpr PgSql kPutRecord =
        "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
        "last_modified_by, device_last_modified_date) VALUES ($1, $2, $3, $4, 1, 1, $1, 1)";
    REQUIRE(connection.exec(kPutRecord, {"us-east-1:id", "things", "k", "v"}).ok());
    CHECK(connection.exec(kPutRecord, {"us-east-1:id", "things", "k", "w"}).status().code() ==
          Errc::conflict);
    CHECK(connection.exec(kPutRecord, {"us-east-1:id", "others", "k", "w"}).ok());

    const Status again = pg_migrate(connection, pg_server_migrations());
    INFO(again.to_string());
    REQUIRE(again.ok());
    CHECK(pg_schema_version(connection).value_or(-1) == kKnown);
    CHECK(count_rows(connection, "SELECT count(*) FROM schema_version") == kKnown);
    CHECK(count_rows(connection, "SELECT count(*) FROM server_meta") == 1);
}

TEST_CASE("pg_migrate: instances migrating at once all succeed, and each step is applied once",
          "[server][postgres]") {
    const std::string url = fresh_pg_database("migrations_");
    constexpr int kInstances = 4;
    std::vector<PgConnection> connections;
    for (int i = 0; i < kInstances; ++i)
        connections.push_back(connect_pg(url));

    // Each thread has its own connection, as each server instance would; they start together.
    std::vector<Status> outcomes(kInstances);
    std::latch start(kInstances);
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            outcomes[static_cast<std::size_t>(i)] =
                pg_migrate(connections[static_cast<std::size_t>(i)], pg_server_migrations());
        });
    }
    for (auto& thread : threads)
        thread.join();

    for (const Status& outcome : outcomes) {
        INFO(outcome.to_string());
        CHECK(outcome.ok());
    }
    PgConnection check = connect_pg(url);
    CHECK(count_rows(check, "SELECT count(*) FROM schema_version") == kKnown);
    CHECK(count_rows(check, "SELECT count(DISTINCT version) FROM schema_version") == kKnown);
    CHECK(pg_schema_version(check).value_or(-1) == kKnown);
}

TEST_CASE("pg_migrate: a database with a newer schema is refused and left as it is", "[server][postgres]") {
    PgConnection connection = connect_pg(fresh_pg_database("migrations_"));
    REQUIRE(pg_migrate(connection, pg_server_migrations()).ok());
    REQUIRE(connection.exec("INSERT INTO schema_version (version) VALUES ($1)", {999}).ok());

    const Status refused = pg_migrate(connection, pg_server_migrations());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.code() == Errc::storage);
    CHECK(refused.message() == "the database's schema is version 999; this synclatch-server knows up to " +
                                   std::to_string(kKnown) + ": upgrade it");
    CHECK(pg_schema_version(connection).value_or(-1) == 999);
    CHECK(count_rows(connection, "SELECT count(*) FROM schema_version") == kKnown + 1);
    CHECK(connection.exec("SELECT 1").ok());  // the refusal rolled back; the connection goes on
}
