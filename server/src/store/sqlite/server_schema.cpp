// Schema of the server database. Append new steps; never edit a released one. Times are epoch ms.
#include "store/sqlite/server_schema.hpp"

namespace synclatch::server {

namespace {

constexpr const char* kVersion1 = R"sql(
CREATE TABLE server_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE identity_pools (
    pool_id       TEXT    PRIMARY KEY,
    created       INTEGER NOT NULL,
    last_modified INTEGER NOT NULL,
    sync_sessions INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE identities (
    identity_id   TEXT    PRIMARY KEY,
    pool_id       TEXT    NOT NULL REFERENCES identity_pools (pool_id),
    created       INTEGER NOT NULL,
    last_modified INTEGER NOT NULL
) WITHOUT ROWID;

-- A dataset row outlives DeleteDataset (exists_now = 0) so that its sync count stays monotonic across
-- delete and re-create, and deleted_at answers DatasetDeletedAfterRequestedSyncCount.
CREATE TABLE datasets (
    identity_id        TEXT    NOT NULL REFERENCES identities (identity_id),
    name               TEXT    NOT NULL,
    sync_count         INTEGER NOT NULL DEFAULT 0,
    exists_now         INTEGER NOT NULL DEFAULT 1 CHECK (exists_now IN (0, 1)),
    deleted_at         INTEGER,
    creation_date      INTEGER NOT NULL,
    last_modified_date INTEGER NOT NULL,
    last_modified_by   TEXT    NOT NULL DEFAULT '',
    data_storage       INTEGER NOT NULL DEFAULT 0,
    num_records        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (identity_id, name)
) WITHOUT ROWID;

CREATE TABLE records (
    identity_id               TEXT    NOT NULL,
    dataset_name              TEXT    NOT NULL,
    key                       TEXT    NOT NULL,
    value                     TEXT,
    sync_count                INTEGER NOT NULL,
    last_modified_date        INTEGER NOT NULL,
    last_modified_by          TEXT    NOT NULL,
    device_last_modified_date INTEGER NOT NULL,
    UNIQUE (identity_id, dataset_name, key)
);
CREATE INDEX records_by_sync_count ON records (identity_id, dataset_name, sync_count, key);

-- The transactional outbox and event streams: rows are appended in the transaction of the write they
-- describe, so an event exists if and only if its write committed.
CREATE TABLE stream_records (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    stream        TEXT    NOT NULL,
    partition_key TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    created       INTEGER NOT NULL
);
CREATE INDEX stream_records_by_stream ON stream_records (stream, seq);
)sql";

// Version 2: temporary credentials issued by GetCredentialsForIdentity, bound to one identity; SigV4
// requests are verified against them.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE credentials (
    access_key_id TEXT    PRIMARY KEY,
    secret_key    TEXT    NOT NULL,
    session_token TEXT    NOT NULL,
    identity_id   TEXT    NOT NULL REFERENCES identities (identity_id),
    expiration    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX credentials_by_expiration ON credentials (expiration);
)sql";

// Version 3: durable consumer checkpoints of the event streams.
constexpr const char* kVersion3 = R"sql(
CREATE TABLE stream_checkpoints (
    stream         TEXT    NOT NULL,
    consumer_group TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    updated        INTEGER NOT NULL,
    PRIMARY KEY (stream, consumer_group)
) WITHOUT ROWID;
)sql";

// Version 4: push sync. Devices registered by an identity, and their dataset subscriptions.
constexpr const char* kVersion4 = R"sql(
CREATE TABLE devices (
    device_id   TEXT    PRIMARY KEY,
    identity_id TEXT    NOT NULL REFERENCES identities (identity_id),
    platform    TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    created     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX devices_by_token ON devices (identity_id, platform, token);

CREATE TABLE subscriptions (
    identity_id  TEXT NOT NULL,
    dataset_name TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices (device_id),
    PRIMARY KEY (identity_id, dataset_name, device_id)
) WITHOUT ROWID;
)sql";

// Version 5: stream retention by age finds old records through an index, not a scan.
constexpr const char* kVersion5 = R"sql(
CREATE INDEX stream_records_by_created ON stream_records (created);
)sql";

// Version 6: an identity pool's configuration (Get/SetIdentityPoolConfiguration) as JSON text.
constexpr const char* kVersion6 = R"sql(
ALTER TABLE identity_pools ADD COLUMN configuration TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 7: the state of an identity pool's BulkPublish.
constexpr const char* kVersion7 = R"sql(
ALTER TABLE identity_pools ADD COLUMN bulk_publish_status TEXT NOT NULL DEFAULT 'NOT_STARTED';
ALTER TABLE identity_pools ADD COLUMN bulk_publish_started INTEGER;
ALTER TABLE identity_pools ADD COLUMN bulk_publish_completed INTEGER;
ALTER TABLE identity_pools ADD COLUMN bulk_publish_failure TEXT NOT NULL DEFAULT '';
)sql";

// Version 8: an identity pool's Cognito Events (SetCognitoEvents) as a JSON object of strings.
constexpr const char* kVersion8 = R"sql(
ALTER TABLE identity_pools ADD COLUMN cognito_events TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 9: the latch (DESIGN.md). A record remembers who authored its current version (origin: this
// deployment for a client's write, else the deployment or service an applied event came from), its per-key
// version (versions order by (version, origin)) and the origin's sequence number of that write (the event
// id is origin:origin_seq). applied_events lets each processor apply an event once.
constexpr const char* kVersion9 = R"sql(
ALTER TABLE records ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN origin_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE applied_events (
    processor TEXT    NOT NULL,
    event_id  TEXT    NOT NULL,
    applied   INTEGER NOT NULL,
    PRIMARY KEY (processor, event_id)
) WITHOUT ROWID;
CREATE INDEX applied_events_by_time ON applied_events (applied);
)sql";

// Version 10: an identity's newest credentials found through an index (GetCredentialsForIdentity answers
// them again once the identity has had its share of new ones).
constexpr const char* kVersion10 = R"sql(
CREATE INDEX credentials_by_identity ON credentials (identity_id, expiration);
)sql";

// Version 11: signed-in identities (docs/identity.md). A login (a provider, and the user's subject there)
// is linked to one identity of a pool. An identity merged into another is disabled for good: merged_into
// names the survivor, which lists the merged identity's datasets in MergedDatasetNames.
constexpr const char* kVersion11 = R"sql(
ALTER TABLE identities ADD COLUMN merged_into TEXT;
CREATE INDEX identities_by_survivor ON identities (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE identity_logins (
    pool_id     TEXT    NOT NULL,
    provider    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    identity_id TEXT    NOT NULL REFERENCES identities (identity_id),
    linked      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, provider, subject)
) WITHOUT ROWID;
CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id);
)sql";

// Version 12: an identity whose last login was unlinked is disabled (Cognito: "inaccessible") from
// disabled_at on; identities listed per pool in id order (ListIdentities) through an index.
constexpr const char* kVersion12 = R"sql(
ALTER TABLE identities ADD COLUMN disabled_at INTEGER;
CREATE INDEX identities_by_pool ON identities (pool_id, identity_id);
)sql";

// Version 13: identity pools made through the API (CreateIdentityPool) keep their definition, the
// IdentityPool shape as JSON; a pool without one comes from the server's options.
constexpr const char* kVersion13 = R"sql(
CREATE TABLE identity_pool_definitions (
    pool_id    TEXT NOT NULL PRIMARY KEY REFERENCES identity_pools (pool_id),
    definition TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 14: how far retention has trimmed each stream (the highest sequence number it dropped), so a
// reader whose position is below it learns that it missed records instead of skipping them silently.
constexpr const char* kVersion14 = R"sql(
CREATE TABLE stream_trims (
    stream       TEXT    NOT NULL PRIMARY KEY,
    through_seq  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 15: the version (and origin) of a dataset's last deletion: a key it erased has no record left,
// so a replicated write older than the deletion is recognized as stale by this instead.
constexpr const char* kVersion15 = R"sql(
ALTER TABLE datasets ADD COLUMN erased_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN erased_origin TEXT NOT NULL DEFAULT '';
)sql";

// Version 16: imports of a Cognito identity pool (import_storage.hpp). import_marks: what an import last
// did to a dataset (the source's LastModifiedDate it copied, the sync count and existence it left), so that
// a later run copies only what moved at the source, and never over what changed on the target since.
// import_runs: where a pool's unfinished import resumes. unlinked_providers: providers an imported identity
// has logins of whose subjects the source did not give; the first valid token of one may link it.
constexpr const char* kVersion16 = R"sql(
CREATE TABLE import_marks (
    identity_id          TEXT    NOT NULL REFERENCES identities (identity_id),
    dataset_name         TEXT    NOT NULL,
    source_last_modified INTEGER NOT NULL,
    sync_count           INTEGER NOT NULL,
    dataset_exists       INTEGER NOT NULL CHECK (dataset_exists IN (0, 1)),
    PRIMARY KEY (identity_id, dataset_name)
) WITHOUT ROWID;

CREATE TABLE import_runs (
    pool_id         TEXT    PRIMARY KEY REFERENCES identity_pools (pool_id),
    started         INTEGER NOT NULL,
    next_token      TEXT    NOT NULL,
    identities_done INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE unlinked_providers (
    identity_id TEXT NOT NULL REFERENCES identities (identity_id),
    provider    TEXT NOT NULL,
    PRIMARY KEY (identity_id, provider)
) WITHOUT ROWID;
)sql";

constexpr const char* kSteps[] = {kVersion1,  kVersion2,  kVersion3,  kVersion4,  kVersion5,  kVersion6,
                                  kVersion7,  kVersion8,  kVersion9,  kVersion10, kVersion11, kVersion12,
                                  kVersion13, kVersion14, kVersion15, kVersion16};

}  // namespace

std::span<const char* const> server_migrations() {
    return kSteps;
}

}  // namespace synclatch::server
