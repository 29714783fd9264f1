// Schema of the local store. Append new steps; never edit a released one.
#include "store_schema.hpp"

namespace synclatch::core::detail {

namespace {

// Version 1. Times are epoch milliseconds. A record whose value is NULL is a tombstone.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE store_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE datasets (
    identity_id        TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    creation_time      INTEGER NOT NULL,
    last_modified_time INTEGER NOT NULL,
    last_modified_by   TEXT    NOT NULL DEFAULT '',
    storage_bytes      INTEGER NOT NULL DEFAULT 0,
    record_count       INTEGER NOT NULL DEFAULT 0,
    last_sync_count    INTEGER NOT NULL DEFAULT 0 CHECK (last_sync_count >= -1),
    last_sync_time     INTEGER,
    last_sync_result   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (identity_id, name)
) WITHOUT ROWID;

CREATE TABLE records (
    identity_id          TEXT    NOT NULL,
    dataset_name         TEXT    NOT NULL,
    key                  TEXT    NOT NULL,
    value                TEXT,
    sync_count           INTEGER NOT NULL DEFAULT 0,
    last_modified        INTEGER NOT NULL DEFAULT 0,
    last_modified_by     TEXT    NOT NULL DEFAULT '',
    device_last_modified INTEGER NOT NULL DEFAULT 0,
    modified             INTEGER NOT NULL DEFAULT 0 CHECK (modified IN (0, 1)),
    origin               TEXT    NOT NULL CHECK (origin IN ('local', 'remote')),
    UNIQUE (identity_id, dataset_name, key)
);
CREATE INDEX records_modified ON records (identity_id, dataset_name) WHERE modified = 1;

-- The local change feed: one row per change of a record's value, written in the record's transaction.
-- AUTOINCREMENT keeps seq strictly increasing even after rows are trimmed or wiped.
CREATE TABLE change_feed (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id  TEXT    NOT NULL,
    dataset_name TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    value        TEXT,
    origin       TEXT    NOT NULL CHECK (origin IN ('local', 'remote')),
    changed_at   INTEGER NOT NULL
);
)sql";

// Version 2: the modified records of a dataset in key order straight from the partial index. Without the
// key in it, SQLite read every record of the dataset through the unique index to avoid a sort, so a
// no-op sync of a large dataset cost a full scan.
constexpr const char* kVersion2 = R"sql(
DROP INDEX records_modified;
CREATE INDEX records_modified ON records (identity_id, dataset_name, key) WHERE modified = 1;
)sql";

constexpr const char* kSteps[] = {kVersion1, kVersion2};

}  // namespace

std::span<const char* const> store_migrations() {
    return kSteps;
}

}  // namespace synclatch::core::detail
