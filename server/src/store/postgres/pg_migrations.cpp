// The PostgreSQL schema's steps, and applying them under an advisory lock.
#include "store/postgres/pg_migrations.hpp"

#include <string>

namespace synclatch::server {

namespace {

// schema_version holds one row per applied step. The migrator reads it before step 1 has made it, which is
// why the version of a database without it is 0 (pg_schema_version).
constexpr PgSql kVersion1[] = {
    R"sql(
CREATE TABLE schema_version (
    version    BIGINT      PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
))sql",
    R"sql(
CREATE TABLE server_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
))sql",
};

constexpr PgMigrationStep kSteps[] = {kVersion1};

}  // namespace

std::span<const PgMigrationStep> pg_server_migrations() {
    return kSteps;
}

Result<std::int64_t> pg_schema_version(PgConnection& conn) {
    auto exists = conn.exec("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists) return exists.status();
    if (exists->text(0, 0) != "t") return std::int64_t{0};
    auto version = conn.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version) return version.status();
    return version->int64(0, 0);
}

Status pg_migrate(PgConnection& conn, std::span<const PgMigrationStep> steps) {
    const auto known = static_cast<std::int64_t>(steps.size());
    // READ COMMITTED: each statement sees what was committed before it started, so a migrator that waited
    // for the lock reads the version its predecessor committed (a REPEATABLE READ snapshot would not).
    return conn.transaction(
        [&](PgConnection& tx) -> Status {
            if (auto locked = tx.exec("SELECT pg_advisory_xact_lock($1::bigint)", {kPgMigrationLockKey});
                !locked)
                return locked.status();
            auto current = pg_schema_version(tx);
            if (!current) return current.status();
            if (*current > known) {
                return {Errc::storage, "the database's schema is version " + std::to_string(*current) +
                                           "; this synclatch-server knows up to " + std::to_string(known) +
                                           ": upgrade it"};
            }
            for (auto version = *current + 1; version <= known; ++version) {
                for (const PgSql& statement : steps[static_cast<std::size_t>(version - 1)])
                    if (auto done = tx.exec(statement); !done) return done.status();
                if (auto recorded =
                        tx.exec("INSERT INTO schema_version (version) VALUES ($1::bigint)", {version});
                    !recorded)
                    return recorded.status();
            }
            return {};
        },
        PgIsolation::read_committed);
}

}  // namespace synclatch::server
