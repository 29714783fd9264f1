// The server's single record-write path: versions, origins, the deployment clock, and the outbox event.
#include "store/sqlite/record_writes.hpp"

#include <algorithm>
#include <utility>

#include "events/change_event.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;
using sync::WireRecord;

DeploymentClock load_clock(sqlite::Database& db) {
    sqlite::StatementScope select(
        db.cached("SELECT CAST(value AS INTEGER) FROM server_meta WHERE name = 'clock'"));
    return DeploymentClock{select->step() ? select->column_int64(0) : 0, false};
}

void persist_clock(sqlite::Database& db, DeploymentClock& clock) {
    if (!clock.dirty) return;
    sqlite::StatementScope upsert(db.cached(
        "INSERT INTO server_meta (name, value) VALUES ('clock', ?1) ON CONFLICT (name) DO UPDATE SET "
        "value = excluded.value"));
    upsert->bind(1, clock.value).run();
    // A failed commit after this leaves the stored value behind the memory one; the next transaction that
    // uses the clock marks it dirty and stores it again, and values between were never committed.
    clock.dirty = false;
}

std::optional<DatasetRow> load_dataset(sqlite::Database& db, std::string_view identity,
                                       std::string_view name) {
    sqlite::StatementScope select(db.cached(
        "SELECT sync_count, exists_now, deleted_at, creation_date, last_modified_date, last_modified_by, "
        "data_storage, num_records FROM datasets WHERE identity_id = ?1 AND name = ?2"));
    select->bind(1, identity).bind(2, name);
    if (!select->step()) return std::nullopt;
    DatasetRow row;
    row.sync_count = select->column_int64(0);
    row.exists = select->column_int64(1) != 0;
    if (!select->column_is_null(2)) row.deleted_at = select->column_int64(2);
    row.creation_date = select->column_int64(3);
    row.last_modified_date = select->column_int64(4);
    row.last_modified_by = select->column_string(5);
    row.data_storage = select->column_int64(6);
    row.num_records = select->column_int64(7);
    return row;
}

std::optional<StoredVersion> load_version(sqlite::Database& db, std::string_view identity,
                                          std::string_view dataset, std::string_view key) {
    sqlite::StatementScope select(
        db.cached("SELECT sync_count, value, origin, version FROM records WHERE identity_id = ?1 AND "
                  "dataset_name = ?2 AND key = ?3"));
    select->bind(1, identity).bind(2, dataset).bind(3, key);
    if (!select->step()) return std::nullopt;
    return StoredVersion{select->column_int64(0), select->column_optional_string(1), select->column_string(2),
                         select->column_int64(3)};
}

std::int64_t insert_stream_record(sqlite::Database& db, std::string_view stream,
                                  std::string_view partition_key, std::string_view data,
                                  EpochMillis created) {
    sqlite::StatementScope append(db.cached(
        "INSERT INTO stream_records (stream, partition_key, data, created) VALUES (?1, ?2, ?3, ?4)"));
    append->bind(1, stream).bind(2, partition_key).bind(3, data).bind(4, created).run();
    return db.last_insert_rowid();
}

void store_checkpoint(sqlite::Database& db, const Checkpoint& checkpoint, EpochMillis now) {
    sqlite::StatementScope upsert(db.cached(
        "INSERT INTO stream_checkpoints (stream, consumer_group, seq, updated) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (stream, consumer_group) DO UPDATE SET seq = excluded.seq, updated = excluded.updated"));
    upsert->bind(1, checkpoint.stream).bind(2, checkpoint.group).bind(3, checkpoint.seq).bind(4, now).run();
}

bool erased_since(sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                  std::int64_t version, std::string_view origin) {
    sqlite::StatementScope select(
        db.cached("SELECT erased_version, erased_origin FROM datasets WHERE identity_id = ?1 AND name = ?2"));
    select->bind(1, identity_id).bind(2, dataset);
    if (!select->step()) return false;
    const std::int64_t erased_version = select->column_int64(0);
    const std::string erased_origin = select->column_string(1);
    return std::pair<std::int64_t, std::string_view>(erased_version, erased_origin) >=
           std::pair<std::int64_t, std::string_view>(version, origin);
}

void remember_erasure(sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                      std::int64_t version, std::string_view origin) {
    if (erased_since(db, identity_id, dataset, version, origin)) return;
    sqlite::StatementScope update(db.cached(
        "UPDATE datasets SET erased_version = ?3, erased_origin = ?4 WHERE identity_id = ?1 AND name = ?2"));
    update->bind(1, identity_id).bind(2, dataset).bind(3, version).bind(4, origin).run();
}

void erase_dataset_rows(sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                        std::int64_t version, std::string_view origin, EpochMillis now) {
    {
        sqlite::StatementScope erase(
            db.cached("DELETE FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
        erase->bind(1, identity_id).bind(2, dataset).run();
    }
    sqlite::StatementScope mark(db.cached(
        "UPDATE datasets SET exists_now = 0, deleted_at = sync_count, data_storage = 0, num_records = 0, "
        "last_modified_date = ?3 WHERE identity_id = ?1 AND name = ?2"));
    mark->bind(1, identity_id).bind(2, dataset).bind(3, now).run();
    remember_erasure(db, identity_id, dataset, version, origin);
}

void erase_dataset(sqlite::Database& db, std::string_view pool_id, std::string_view identity_id,
                   std::string_view dataset, const DatasetRow& row, const RecordAuthorship& by,
                   EpochMillis now) {
    erase_dataset_rows(db, identity_id, dataset, by.version, by.origin, now);
    insert_stream_record(db, "dataset-changes", identity_id,
                         dataset_deleted_change(pool_id, identity_id, dataset, row.sync_count, now, by), now);
}

Result<std::vector<WireRecord>> write_versions(sqlite::Database& db, DeploymentClock& clock,
                                               const SyncLimits& limits, std::string_view pool_id,
                                               std::string_view identity_id, std::string_view dataset,
                                               std::string_view author, const Authorship& by,
                                               std::vector<VersionedWrite> writes, EpochMillis now) {
    const auto row = load_dataset(db, identity_id, dataset);
    const bool creating = !row || !row->exists;
    if (creating) {
        sqlite::StatementScope count(
            db.cached("SELECT COUNT(*) FROM datasets WHERE identity_id = ?1 AND exists_now = 1"));
        count->bind(1, identity_id);
        count->step();
        if (Status s = check_new_dataset(count->column_int64(0), limits); !s.ok()) return s;
    }
    const std::int64_t new_sync_count = (row ? row->sync_count : 0) + 1;
    const DatasetUsage usage =
        usage_after(creating ? DatasetUsage{} : DatasetUsage{row->data_storage, row->num_records}, writes);
    if (Status s = check_dataset_usage(usage, limits); !s.ok()) return s;

    for (auto& w : writes) {
        if (by.latch_open) {
            w.version = w.origin_seq = ++clock.value;
            clock.dirty = true;
        } else if (w.version > clock.value) {
            clock.value = w.version;
            clock.dirty = true;
        }
    }

    std::vector<WireRecord> written;
    std::vector<RecordAuthorship> authorship;
    written.reserve(writes.size());
    authorship.reserve(writes.size());
    for (auto& w : writes) {
        sqlite::StatementScope upsert(db.cached(
            "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
            "last_modified_by, device_last_modified_date, origin, version, origin_seq) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
            "ON CONFLICT (identity_id, dataset_name, key) DO UPDATE SET value = excluded.value, "
            "sync_count = excluded.sync_count, last_modified_date = excluded.last_modified_date, "
            "last_modified_by = excluded.last_modified_by, "
            "device_last_modified_date = excluded.device_last_modified_date, origin = excluded.origin, "
            "version = excluded.version, origin_seq = excluded.origin_seq"));
        upsert->bind(1, identity_id).bind(2, dataset).bind(3, w.key).bind_optional(4, w.value);
        upsert->bind(5, new_sync_count).bind(6, now).bind(7, author).bind(8, w.device_last_modified_date);
        upsert->bind(9, by.origin).bind(10, w.version).bind(11, w.origin_seq).run();
        authorship.push_back({std::string(by.origin), w.version, w.origin_seq, w.existed, by.latch_open});
        written.push_back(WireRecord{std::move(w.key), std::move(w.value), new_sync_count, now,
                                     std::string(author), w.device_last_modified_date});
    }
    {
        sqlite::StatementScope upsert(db.cached(
            "INSERT INTO datasets (identity_id, name, sync_count, creation_date, last_modified_date, "
            "last_modified_by, data_storage, num_records) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7) "
            "ON CONFLICT (identity_id, name) DO UPDATE SET sync_count = excluded.sync_count, "
            "creation_date = CASE WHEN exists_now = 0 THEN excluded.creation_date ELSE creation_date "
            "END, "
            "exists_now = 1, last_modified_date = excluded.last_modified_date, "
            "last_modified_by = excluded.last_modified_by, data_storage = excluded.data_storage, "
            "num_records = excluded.num_records"));
        upsert->bind(1, identity_id).bind(2, dataset).bind(3, new_sync_count).bind(4, now).bind(5, author);
        upsert->bind(6, usage.data_storage).bind(7, usage.num_records).run();
    }
    {
        // (The identity's LastModifiedDate is derived from its datasets when asked: one row less to write.)
        sqlite::StatementScope session(
            db.cached("UPDATE identity_pools SET sync_sessions = sync_sessions + 1, last_modified = ?2 "
                      "WHERE pool_id = ?1"));
        session->bind(1, pool_id).bind(2, now).run();
    }
    // The outbox: the event commits with the write, or neither does.
    insert_stream_record(
        db, kDatasetChangesStream, identity_id,
        dataset_change_event(pool_id, identity_id, dataset, new_sync_count, now, written, authorship), now);
    return written;
}

}  // namespace synclatch::server
