// The merge of one identity into another, in the writer's transaction.
#include "store/sqlite/identity_merge.hpp"

#include <limits>

#include "events/change_event.hpp"
#include "store/sqlite/identity_rows.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;
using sync::WireRecord;

namespace {

std::vector<std::string> existing_datasets(sqlite::Database& db, std::string_view identity) {
    std::vector<std::string> names;
    sqlite::StatementScope select(
        db.cached("SELECT name FROM datasets WHERE identity_id = ?1 AND exists_now = 1 ORDER BY name"));
    select->bind(1, identity);
    while (select->step())
        names.push_back(select->column_string(0));
    return names;
}

std::vector<WireRecord> records_of(sqlite::Database& db, std::string_view identity,
                                   std::string_view dataset) {
    std::vector<WireRecord> records;
    sqlite::StatementScope select(db.cached(
        "SELECT key, value, sync_count, last_modified_date, last_modified_by, device_last_modified_date "
        "FROM records WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY sync_count, key"));
    select->bind(1, identity).bind(2, dataset);
    while (select->step()) {
        records.push_back(WireRecord{select->column_string(0), select->column_optional_string(1),
                                     select->column_int64(2), select->column_int64(3),
                                     select->column_string(4), select->column_int64(5)});
    }
    return records;
}

// The survivor already has a dataset of that name: the merged records are one write to it, at its next
// sync count, with no quota in the way.
Status write_onto(sqlite::Database& db, DeploymentClock& clock, const SyncLimits& limits,
                  std::string_view deployment_id, std::string_view pool_id, std::string_view survivor,
                  std::string_view merged, std::string_view to, const std::vector<WireRecord>& records,
                  EpochMillis now) {
    SyncLimits unbounded = limits;
    unbounded.max_records_per_dataset = std::numeric_limits<std::int64_t>::max();
    unbounded.max_bytes_per_dataset = std::numeric_limits<std::int64_t>::max();
    unbounded.max_datasets_per_identity = std::numeric_limits<std::int64_t>::max();
    std::vector<VersionedWrite> writes;
    writes.reserve(records.size());
    for (const auto& record : records) {
        const auto stored = load_version(db, survivor, to, record.key);
        VersionedWrite w;
        w.key = record.key;
        w.value = record.value;
        w.device_last_modified_date = record.device_last_modified_date;
        w.existed = stored && stored->value;
        w.stored_size = stored ? live_size(record.key, stored->value) : 0;
        writes.push_back(std::move(w));
    }
    return write_versions(db, clock, unbounded, pool_id, survivor, to, merged,
                          Authorship{deployment_id, /*latch_open=*/true}, std::move(writes), now)
        .status();
}

// The survivor has no dataset of that name, or one it deleted: the rows move, keeping their sync counts
// (past the deleted one's, so that its counts stay monotonic).
std::int64_t move_to(sqlite::Database& db, DeploymentClock& clock, std::string_view deployment_id,
                     std::string_view pool_id, std::string_view survivor, std::string_view merged,
                     std::string_view from, std::string_view to, const DatasetRow& source,
                     const std::optional<DatasetRow>& deleted, std::vector<WireRecord> records,
                     EpochMillis now) {
    const std::int64_t offset = deleted ? deleted->sync_count : 0;
    std::vector<RecordAuthorship> authorship;
    authorship.reserve(records.size());
    for (auto& record : records) {
        const std::int64_t version = ++clock.value;
        clock.dirty = true;
        record.sync_count += offset;
        sqlite::StatementScope move(db.cached(
            "UPDATE records SET identity_id = ?1, dataset_name = ?2, sync_count = ?3, origin = ?4, "
            "version = ?5, origin_seq = ?5 WHERE identity_id = ?6 AND dataset_name = ?7 AND key = ?8"));
        move->bind(1, survivor).bind(2, to).bind(3, record.sync_count).bind(4, deployment_id);
        move->bind(5, version).bind(6, merged).bind(7, from).bind(8, record.key).run();
        authorship.push_back({std::string(deployment_id), version, version, false, true});
    }
    const std::int64_t sync_count = source.sync_count + offset;
    sqlite::StatementScope upsert(db.cached(
        "INSERT INTO datasets (identity_id, name, sync_count, creation_date, last_modified_date, "
        "last_modified_by, data_storage, num_records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (identity_id, name) DO UPDATE SET sync_count = excluded.sync_count, exists_now = 1, "
        "creation_date = excluded.creation_date, last_modified_date = excluded.last_modified_date, "
        "last_modified_by = excluded.last_modified_by, data_storage = excluded.data_storage, "
        "num_records = excluded.num_records"));
    upsert->bind(1, survivor).bind(2, to).bind(3, sync_count).bind(4, source.creation_date).bind(5, now);
    upsert->bind(6, source.last_modified_by).bind(7, source.data_storage).bind(8, source.num_records).run();
    insert_stream_record(db, kDatasetChangesStream, survivor,
                         dataset_change_event(pool_id, survivor, to, sync_count, now, records, authorship),
                         now);
    return sync_count;
}

void run(sqlite::Database& db, const char* sql, std::string_view identity) {
    sqlite::StatementScope statement(db.cached(sql));
    statement->bind(1, identity).run();
}

}  // namespace

Result<std::vector<MovedDataset>> merge_identity(sqlite::Database& db, DeploymentClock& clock,
                                                 const SyncLimits& limits, std::string_view deployment_id,
                                                 std::string_view survivor, std::string_view merged,
                                                 EpochMillis now) {
    if (survivor == merged) return Status{Errc::invalid_argument, "an identity cannot be merged into itself"};
    const auto into = load_identity(db, survivor);
    const auto from = load_identity(db, merged);
    for (const auto& [row, id] : {std::pair{&into, survivor}, std::pair{&from, merged}}) {
        if (!*row || (*row)->merged)
            return Status{Errc::not_found, "Identity '" + std::string(id) + "' not found."};
    }
    if (into->pool_id != from->pool_id)
        return Status{Errc::invalid_argument, "identities of two identity pools cannot be merged"};

    std::vector<MovedDataset> moved;
    for (const auto& name : existing_datasets(db, merged)) {
        const std::string to = merged_dataset_name(name, merged);
        const auto source = load_dataset(db, merged, name);
        auto records = records_of(db, merged, name);
        const auto target = load_dataset(db, survivor, to);
        std::int64_t sync_count = 0;
        if (target && target->exists) {
            if (Status s = write_onto(db, clock, limits, deployment_id, into->pool_id, survivor, merged, to,
                                      records, now);
                !s.ok())
                return s;
            sync_count = load_dataset(db, survivor, to)->sync_count;
        } else {
            sync_count = move_to(db, clock, deployment_id, into->pool_id, survivor, merged, name, to, *source,
                                 target, std::move(records), now);
        }
        moved.push_back(MovedDataset{name, to, sync_count});
    }

    // What is left of the merged identity: deleted datasets' rows, and what lets it act.
    run(db, "DELETE FROM records WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM datasets WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM credentials WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM subscriptions WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM devices WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM import_marks WHERE identity_id = ?1", merged);
    run(db, "DELETE FROM unlinked_providers WHERE identity_id = ?1", merged);
    {
        sqlite::StatementScope logins(
            db.cached("UPDATE identity_logins SET identity_id = ?1 WHERE identity_id = ?2"));
        logins->bind(1, survivor).bind(2, merged).run();
    }
    {
        sqlite::StatementScope disable(
            db.cached("UPDATE identities SET merged_into = ?1, last_modified = ?3 WHERE identity_id = ?2"));
        disable->bind(1, survivor).bind(2, merged).bind(3, now).run();
    }
    {
        sqlite::StatementScope touch(
            db.cached("UPDATE identities SET last_modified = ?2 WHERE identity_id = ?1"));
        touch->bind(1, survivor).bind(2, now).run();
    }
    return moved;
}

}  // namespace synclatch::server
