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

// Version 2: the server's data, as the SQLite engine keeps it (store/sqlite/server_schema.cpp, versions 1
// to 13 in one step), laid out for several servers on one database. Times are epoch ms (BIGINT), JSON is
// kept as the text the engine writes. Every per-user table is keyed first by identity_id, so that it can be
// distributed by that column (docs/server.md). The engine that reads and writes these tables is not built
// yet: until it is, this step may still change.
constexpr PgSql kVersion2[] = {
    // bulk_publish_lease_until: while IN_PROGRESS, until when its runner counts as alive (it renews the lease
    // with every batch); a bulk publish whose lease ran out was cut short (PgStorage::kBulkPublishLeaseMs).
    R"sql(
CREATE TABLE identity_pools (
    pool_id                TEXT   PRIMARY KEY,
    created                BIGINT NOT NULL,
    last_modified          BIGINT NOT NULL,
    sync_sessions          BIGINT NOT NULL DEFAULT 0,
    configuration          TEXT   NOT NULL DEFAULT '{}',
    cognito_events         TEXT   NOT NULL DEFAULT '{}',
    bulk_publish_status    TEXT   NOT NULL DEFAULT 'NOT_STARTED',
    bulk_publish_started   BIGINT,
    bulk_publish_completed BIGINT,
    bulk_publish_failure   TEXT   NOT NULL DEFAULT '',
    bulk_publish_lease_until BIGINT
))sql",
    R"sql(
CREATE TABLE identity_pool_definitions (
    pool_id    TEXT PRIMARY KEY REFERENCES identity_pools (pool_id),
    definition TEXT NOT NULL
))sql",
    // merged_into: the survivor of a merge (disabled for good); disabled_at: the last login was unlinked.
    R"sql(
CREATE TABLE identities (
    identity_id   TEXT   PRIMARY KEY,
    pool_id       TEXT   NOT NULL REFERENCES identity_pools (pool_id),
    created       BIGINT NOT NULL,
    last_modified BIGINT NOT NULL,
    merged_into   TEXT,
    disabled_at   BIGINT
))sql",
    "CREATE INDEX identities_by_pool ON identities (pool_id, identity_id)",
    "CREATE INDEX identities_by_survivor ON identities (merged_into) WHERE merged_into IS NOT NULL",
    R"sql(
CREATE TABLE identity_logins (
    pool_id     TEXT   NOT NULL,
    provider    TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    identity_id TEXT   NOT NULL REFERENCES identities (identity_id),
    linked      BIGINT NOT NULL,
    PRIMARY KEY (pool_id, provider, subject)
))sql",
    "CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id)",
    // Looked up by access key when a signed request's credentials are not in the server's memory yet.
    R"sql(
CREATE TABLE credentials (
    access_key_id TEXT   PRIMARY KEY,
    secret_key    TEXT   NOT NULL,
    session_token TEXT   NOT NULL,
    identity_id   TEXT   NOT NULL REFERENCES identities (identity_id),
    expiration    BIGINT NOT NULL
))sql",
    "CREATE INDEX credentials_by_identity ON credentials (identity_id, expiration)",
    "CREATE INDEX credentials_by_expiration ON credentials (expiration)",
    // A dataset's row outlives DeleteDataset (exists_now false) so that its sync count stays monotonic;
    // its writes serialize on this row (SELECT ... FOR UPDATE, then the sync count check).
    R"sql(
CREATE TABLE datasets (
    identity_id        TEXT    NOT NULL REFERENCES identities (identity_id),
    name               TEXT    COLLATE "C" NOT NULL,
    sync_count         BIGINT  NOT NULL DEFAULT 0,
    exists_now         BOOLEAN NOT NULL DEFAULT TRUE,
    deleted_at         BIGINT,
    creation_date      BIGINT  NOT NULL,
    last_modified_date BIGINT  NOT NULL,
    last_modified_by   TEXT    NOT NULL DEFAULT '',
    data_storage       BIGINT  NOT NULL DEFAULT 0,
    num_records        BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (identity_id, name)
))sql",
    // origin, version, origin_seq: who authored the current version and which (the latch, DESIGN.md).
    // Keys and dataset names compare as bytes (COLLATE "C"), as on SQLite: pages and their NextTokens
    // follow that order whatever the database's locale.
    R"sql(
CREATE TABLE records (
    identity_id               TEXT   NOT NULL,
    dataset_name              TEXT   NOT NULL,
    key                       TEXT   COLLATE "C" NOT NULL,
    value                     TEXT,
    sync_count                BIGINT NOT NULL,
    last_modified_date        BIGINT NOT NULL,
    last_modified_by          TEXT   NOT NULL,
    device_last_modified_date BIGINT NOT NULL,
    origin                    TEXT   NOT NULL DEFAULT '',
    version                   BIGINT NOT NULL DEFAULT 0,
    origin_seq                BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (identity_id, dataset_name, key)
))sql",
    "CREATE INDEX records_by_sync_count ON records (identity_id, dataset_name, sync_count, key)",
    // The deployment's clock (DESIGN.md "The latch"), which SQLite keeps as one counter under its single
    // writer. Here: latch_clock numbers every latch-open write (its origin_seq: unique, across crashes and
    // servers); its version is the greatest of that number, latch_floor + 1 and the key's stored version
    // + 1. latch_floor is the highest version this deployment received from elsewhere or erased past the
    // clock (DeleteDataset, merges), raised with greatest() in those transactions; a local write reads it
    // after locking its dataset row, behind which every such change of its key has committed.
    "CREATE SEQUENCE latch_clock AS BIGINT",
    R"sql(
CREATE TABLE latch_floor (
    one_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row),
    version BIGINT  NOT NULL
))sql",
    "INSERT INTO latch_floor (version) VALUES (0)",
    // Cognito's SyncSessionsCount, counted per identity (the pool's is the sum): a counter on the pool's
    // row would serialize every write of the pool, across all servers. The rows outlive their identity, as
    // the count does. No foreign key: a merge or deletion of the identity leaves its count.
    R"sql(
CREATE TABLE sync_sessions (
    identity_id   TEXT   PRIMARY KEY,
    pool_id       TEXT   NOT NULL,
    sessions      BIGINT NOT NULL,
    last_modified BIGINT NOT NULL
))sql",
    "CREATE INDEX sync_sessions_by_pool ON sync_sessions (pool_id)",
    R"sql(
CREATE TABLE devices (
    device_id   TEXT   PRIMARY KEY,
    identity_id TEXT   NOT NULL REFERENCES identities (identity_id),
    platform    TEXT   NOT NULL,
    token       TEXT   NOT NULL,
    created     BIGINT NOT NULL
))sql",
    "CREATE UNIQUE INDEX devices_by_token ON devices (identity_id, platform, token)",
    R"sql(
CREATE TABLE subscriptions (
    identity_id  TEXT NOT NULL,
    dataset_name TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices (device_id),
    PRIMARY KEY (identity_id, dataset_name, device_id)
))sql",
    // The outbox and event streams, appended in the transaction of the write they describe. Sequence
    // numbers must grow in commit order (StreamStorage): a writer takes the stream append lock (a
    // transaction-level advisory lock) as the last step before its appends and keeps it until it commits,
    // so the transaction that takes stream_seq's next values is the next to commit, and a reader that has
    // seen seq n can never later find a smaller one.
    "CREATE SEQUENCE stream_seq AS BIGINT",
    R"sql(
CREATE TABLE stream_records (
    seq           BIGINT PRIMARY KEY,
    stream        TEXT   NOT NULL,
    partition_key TEXT   NOT NULL,
    data          TEXT   NOT NULL,
    created       BIGINT NOT NULL
))sql",
    "CREATE INDEX stream_records_by_stream ON stream_records (stream, seq)",
    "CREATE INDEX stream_records_by_created ON stream_records (created)",
    R"sql(
CREATE TABLE stream_checkpoints (
    stream         TEXT   NOT NULL,
    consumer_group TEXT   NOT NULL,
    seq            BIGINT NOT NULL,
    updated        BIGINT NOT NULL,
    PRIMARY KEY (stream, consumer_group)
))sql",
    R"sql(
CREATE TABLE applied_events (
    processor TEXT   NOT NULL,
    event_id  TEXT   NOT NULL,
    applied   BIGINT NOT NULL,
    PRIMARY KEY (processor, event_id)
))sql",
    "CREATE INDEX applied_events_by_time ON applied_events (applied)",
    // Processors and bulk publish run on one leader per role: the holder renews its lease before
    // expires_at; a successor takes an expired lease and bumps the fencing token, and every checkpoint or
    // event the leader writes checks its token in the same transaction, so a deposed leader's writes fail.
    R"sql(
CREATE TABLE leader_leases (
    role       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    token      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
))sql",
};

// How far retention has trimmed each stream (the highest sequence number it dropped), so a reader whose
// position is below it learns that it missed records instead of skipping them silently.
constexpr PgSql kVersion3[] = {
    R"sql(
CREATE TABLE stream_trims (
    stream      TEXT   PRIMARY KEY,
    through_seq BIGINT NOT NULL
))sql",
};

// The version (and origin) of a dataset's last deletion: a key it erased has no record left, so a
// replicated write older than the deletion is recognized as stale by this instead.
constexpr PgSql kVersion4[] = {
    "ALTER TABLE datasets ADD COLUMN erased_version BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE datasets ADD COLUMN erased_origin TEXT NOT NULL DEFAULT ''",
};

// Imports of a Cognito identity pool (import_storage.hpp; the SQLite engine's version 16). import_marks: what
// an import last did to a dataset (the source's LastModifiedDate it copied, the sync count and existence it
// left), so that a later run copies only what moved at the source, and never over what changed here since.
// import_runs: where a pool's unfinished import resumes. unlinked_providers: providers an imported identity
// has logins of whose subjects the source did not give; the first valid token of one may link it.
constexpr PgSql kVersion5[] = {
    R"sql(
CREATE TABLE import_marks (
    identity_id          TEXT    NOT NULL REFERENCES identities (identity_id),
    dataset_name         TEXT    COLLATE "C" NOT NULL,
    source_last_modified BIGINT  NOT NULL,
    sync_count           BIGINT  NOT NULL,
    dataset_exists       BOOLEAN NOT NULL,
    PRIMARY KEY (identity_id, dataset_name)
))sql",
    R"sql(
CREATE TABLE import_runs (
    pool_id         TEXT   PRIMARY KEY REFERENCES identity_pools (pool_id),
    started         BIGINT NOT NULL,
    next_token      TEXT   NOT NULL,
    identities_done BIGINT NOT NULL
))sql",
    R"sql(
CREATE TABLE unlinked_providers (
    identity_id TEXT NOT NULL REFERENCES identities (identity_id),
    provider    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (identity_id, provider)
))sql",
};

constexpr PgMigrationStep kSteps[] = {kVersion1, kVersion2, kVersion3, kVersion4, kVersion5};

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
