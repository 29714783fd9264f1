// The PostgreSQL engine's record-write path: identity and dataset locks, versions from the deployment
// clock, the records and dataset rows, and the outbox event.
#include "store/postgres/pg_record_writes.hpp"

#include <algorithm>
#include <utility>

#include "events/change_event.hpp"

namespace synclatch::server {

using sync::WireRecord;

namespace {

constexpr PgSql kSelectDataset =
    "SELECT sync_count, exists_now, deleted_at, creation_date, last_modified_date, last_modified_by, "
    "data_storage, num_records FROM datasets WHERE identity_id = $1 AND name = $2";
constexpr PgSql kLockDataset =
    "SELECT sync_count, exists_now, deleted_at, creation_date, last_modified_date, last_modified_by, "
    "data_storage, num_records FROM datasets WHERE identity_id = $1 AND name = $2 FOR UPDATE";

DatasetRow dataset_row(const PgResult& rows) {
    DatasetRow row;
    row.sync_count = rows.int64(0, 0);
    row.exists = rows.text(0, 1) == "t";
    if (!rows.is_null(0, 2)) row.deleted_at = rows.int64(0, 2);
    row.creation_date = rows.int64(0, 3);
    row.last_modified_date = rows.int64(0, 4);
    row.last_modified_by = std::string(rows.text(0, 5));
    row.data_storage = rows.int64(0, 6);
    row.num_records = rows.int64(0, 7);
    return row;
}

Status identity_not_found(std::string_view identity_id) {
    std::string message = "Identity '";
    message.append(identity_id).append("' not found.");
    return {Errc::not_found, std::move(message)};
}

}  // namespace

Result<std::string> pg_lock_identity(PgConnection& tx, std::string_view identity_id) {
    auto row =
        tx.exec("SELECT pool_id FROM identities WHERE identity_id = $1 AND merged_into IS NULL FOR SHARE",
                {identity_id});
    if (!row) return row.status();
    if (row->rows() == 0) return identity_not_found(identity_id);
    return std::string(row->text(0, 0));
}

Result<std::string> pg_lock_identity_counting_session(PgConnection& tx, std::string_view identity_id,
                                                      sync::EpochMillis now) {
    // The identity's row is locked first (the CTE runs before the insert), as the two calls would.
    auto row = tx.exec(
        "WITH identity AS (SELECT pool_id FROM identities WHERE identity_id = $1 AND merged_into IS NULL "
        "FOR SHARE) "
        "INSERT INTO sync_sessions (identity_id, pool_id, sessions, last_modified) "
        "SELECT $1, pool_id, 1, $2::bigint FROM identity ON CONFLICT (identity_id) DO UPDATE SET "
        "sessions = sync_sessions.sessions + 1, "
        "last_modified = greatest(sync_sessions.last_modified, excluded.last_modified) "
        "RETURNING (SELECT pool_id FROM identity)",
        {identity_id, now});
    if (!row) return row.status();
    if (row->rows() == 0) return identity_not_found(identity_id);
    return std::string(row->text(0, 0));
}

Status pg_count_sync_session(PgConnection& tx, std::string_view pool_id, std::string_view identity_id,
                             sync::EpochMillis now) {
    return tx
        .exec(
            "INSERT INTO sync_sessions (identity_id, pool_id, sessions, last_modified) "
            "VALUES ($1, $2, 1, $3::bigint) ON CONFLICT (identity_id) DO UPDATE SET "
            "sessions = sync_sessions.sessions + 1, "
            "last_modified = greatest(sync_sessions.last_modified, excluded.last_modified)",
            {identity_id, pool_id, now})
        .status();
}

Result<std::optional<DatasetRow>> pg_load_dataset(PgConnection& tx, std::string_view identity_id,
                                                  std::string_view name) {
    auto rows = tx.exec(kSelectDataset, {identity_id, name});
    if (!rows) return rows.status();
    if (rows->rows() == 0) return std::optional<DatasetRow>();
    return std::optional<DatasetRow>(dataset_row(*rows));
}

Result<DatasetRow> pg_lock_dataset(PgConnection& tx, std::string_view identity_id, std::string_view name,
                                   sync::EpochMillis now) {
    auto rows = tx.exec(kLockDataset, {identity_id, name});
    if (!rows) return rows.status();
    if (rows->rows() == 1) return dataset_row(*rows);
    // A concurrent first write inserts too: this insert then waits for it, and the lock below finds its row.
    auto placeholder = tx.exec(
        "INSERT INTO datasets (identity_id, name, sync_count, exists_now, creation_date, last_modified_date) "
        "VALUES ($1, $2, 0, FALSE, $3::bigint, $3::bigint) ON CONFLICT (identity_id, name) DO NOTHING",
        {identity_id, name, now});
    if (!placeholder) return placeholder.status();
    rows = tx.exec(kLockDataset, {identity_id, name});
    if (!rows) return rows.status();
    if (rows->rows() != 1) return Status{Errc::internal, "a dataset row vanished while it was being locked"};
    return dataset_row(*rows);
}

Result<std::optional<StoredVersion>> pg_load_version(PgConnection& tx, std::string_view identity_id,
                                                     std::string_view dataset, std::string_view key) {
    auto rows = tx.exec(
        "SELECT sync_count, value, origin, version FROM records "
        "WHERE identity_id = $1 AND dataset_name = $2 AND key = $3",
        {identity_id, dataset, key});
    if (!rows) return rows.status();
    if (rows->rows() == 0) return std::optional<StoredVersion>();
    return std::optional<StoredVersion>(StoredVersion{rows->int64(0, 0), rows->optional_text(0, 1),
                                                      std::string(rows->text(0, 2)), rows->int64(0, 3)});
}

Result<std::vector<PgClockReading>> pg_read_clock(PgConnection& tx, std::size_t count) {
    std::vector<PgClockReading> readings;
    if (count == 0) return readings;
    // One round trip for the whole write: the floor is read once, the sequence advanced count times.
    auto rows = tx.exec(
        "SELECT nextval('latch_clock'), (SELECT version FROM latch_floor) "
        "FROM generate_series(1, $1::bigint)",
        {static_cast<std::int64_t>(count)});
    if (!rows) return rows.status();
    readings.reserve(count);
    for (int row = 0; row < rows->rows(); ++row) {
        const std::int64_t seq = rows->int64(row, 0);
        readings.push_back({seq, std::max(seq, rows->int64(row, 1) + 1)});
    }
    return readings;
}

Status pg_raise_latch_floor(PgConnection& tx, std::int64_t version) {
    // The WHERE leaves the row unlocked when the floor is high enough already.
    return tx.exec("UPDATE latch_floor SET version = $1::bigint WHERE version < $1::bigint", {version})
        .status();
}

Result<bool> pg_erased_since(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                             std::int64_t version, std::string_view origin) {
    auto row =
        tx.exec("SELECT erased_version, erased_origin FROM datasets WHERE identity_id = $1 AND name = $2",
                {identity_id, dataset});
    if (!row) return row.status();
    if (row->rows() == 0) return false;
    const std::int64_t erased_version = row->int64(0, 0);
    const std::string_view erased_origin = row->text(0, 1);
    return std::pair<std::int64_t, std::string_view>(erased_version, erased_origin) >=
           std::pair<std::int64_t, std::string_view>(version, origin);
}

Status pg_remember_erasure(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                           std::int64_t version, std::string_view origin) {
    auto newer = pg_erased_since(tx, identity_id, dataset, version, origin);
    if (!newer) return newer.status();
    if (*newer) return {};
    auto updated = tx.exec(
        "UPDATE datasets SET erased_version = $3::bigint, erased_origin = $4 WHERE identity_id = $1 AND name "
        "= $2",
        {identity_id, dataset, version, origin});
    if (!updated) return updated.status();
    return {};
}

Status pg_erase_dataset(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                        std::int64_t version, std::string_view origin, sync::EpochMillis now) {
    if (auto erased = tx.exec("DELETE FROM records WHERE identity_id = $1 AND dataset_name = $2",
                              {identity_id, dataset});
        !erased)
        return erased.status();
    auto marked = tx.exec(
        "UPDATE datasets SET exists_now = FALSE, deleted_at = sync_count, data_storage = 0, "
        "num_records = 0, last_modified_date = $3::bigint WHERE identity_id = $1 AND name = $2",
        {identity_id, dataset, now});
    if (!marked) return marked.status();
    return pg_remember_erasure(tx, identity_id, dataset, version, origin);
}

Status pg_remember_erased_versions(PgConnection& tx, std::string_view identity_id,
                                   std::optional<std::string_view> dataset) {
    // Only versions at or past the clock's last value need the floor (the clock's next values pass the
    // others): in steady state the floor's row is not even locked.
    if (dataset) {
        return tx
            .exec(
                "UPDATE latch_floor SET version = erased.version FROM (SELECT max(version) AS version FROM "
                "records WHERE identity_id = $1 AND dataset_name = $2) AS erased "
                "WHERE erased.version > latch_floor.version "
                "AND erased.version >= (SELECT last_value FROM latch_clock)",
                {identity_id, *dataset})
            .status();
    }
    return tx
        .exec(
            "UPDATE latch_floor SET version = erased.version FROM (SELECT max(version) AS version FROM "
            "records WHERE identity_id = $1) AS erased "
            "WHERE erased.version > latch_floor.version "
            "AND erased.version >= (SELECT last_value FROM latch_clock)",
            {identity_id})
        .status();
}

Result<std::vector<WireRecord>> pg_write_versions(PgConnection& tx, const SyncLimits& limits,
                                                  std::string_view pool_id, std::string_view identity_id,
                                                  std::string_view dataset, const DatasetRow& locked,
                                                  std::string_view author, const Authorship& by,
                                                  std::vector<VersionedWrite> writes, sync::EpochMillis now,
                                                  NewStreamRecord& event) {
    const bool creating = !locked.exists;
    if (creating) {
        auto count =
            tx.exec("SELECT count(*) FROM datasets WHERE identity_id = $1 AND exists_now", {identity_id});
        if (!count) return count.status();
        if (Status s = check_new_dataset(count->int64(0, 0), limits); !s) return s;
    }
    const std::int64_t new_sync_count = locked.sync_count + 1;
    const DatasetUsage usage = usage_after(
        creating ? DatasetUsage{} : DatasetUsage{locked.data_storage, locked.num_records}, writes);
    if (Status s = check_dataset_usage(usage, limits); !s) return s;

    if (by.latch_open) {
        auto clock = pg_read_clock(tx, writes.size());
        if (!clock) return clock.status();
        for (std::size_t i = 0; i < writes.size(); ++i) {
            writes[i].origin_seq = (*clock)[i].origin_seq;
            writes[i].version = std::max((*clock)[i].version, writes[i].stored_version + 1);
        }
    }

    std::vector<WireRecord> written;
    std::vector<RecordAuthorship> authorship;
    written.reserve(writes.size());
    authorship.reserve(writes.size());
    for (auto& w : writes) {
        auto upsert = tx.exec(
            "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
            "last_modified_by, device_last_modified_date, origin, version, origin_seq) "
            "VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7, $8::bigint, $9, $10::bigint, $11::bigint) "
            "ON CONFLICT (identity_id, dataset_name, key) DO UPDATE SET value = excluded.value, "
            "sync_count = excluded.sync_count, last_modified_date = excluded.last_modified_date, "
            "last_modified_by = excluded.last_modified_by, "
            "device_last_modified_date = excluded.device_last_modified_date, origin = excluded.origin, "
            "version = excluded.version, origin_seq = excluded.origin_seq",
            {identity_id, dataset, w.key, w.value, new_sync_count, now, author, w.device_last_modified_date,
             by.origin, w.version, w.origin_seq});
        if (!upsert) return upsert.status();
        authorship.push_back({std::string(by.origin), w.version, w.origin_seq, w.existed, by.latch_open});
        written.push_back(WireRecord{std::move(w.key), std::move(w.value), new_sync_count, now,
                                     std::string(author), w.device_last_modified_date});
    }
    // The row exists (pg_lock_dataset made it): an update. A re-created dataset starts a new life.
    auto updated = tx.exec(
        "UPDATE datasets SET sync_count = $3::bigint, "
        "creation_date = CASE WHEN exists_now THEN creation_date ELSE $4::bigint END, exists_now = TRUE, "
        "last_modified_date = $4::bigint, last_modified_by = $5, data_storage = $6::bigint, "
        "num_records = $7::bigint WHERE identity_id = $1 AND name = $2",
        {identity_id, dataset, new_sync_count, now, author, usage.data_storage, usage.num_records});
    if (!updated) return updated.status();
    event = NewStreamRecord{
        std::string(identity_id),
        dataset_change_event(pool_id, identity_id, dataset, new_sync_count, now, written, authorship)};
    return written;
}

}  // namespace synclatch::server
