// The merge of one identity into another on PostgreSQL, in the caller's transaction (identity_merge.hpp's
// semantics for the embedded engine).
#include "store/postgres/pg_identity_merge.hpp"

#include <limits>

#include "events/change_event.hpp"
#include "store/postgres/pg_record_writes.hpp"

namespace synclatch::server {

using sync::WireRecord;

namespace {

Status identity_not_found(std::string_view identity_id) {
    std::string message = "Identity '";
    message.append(identity_id).append("' not found.");
    return {Errc::not_found, std::move(message)};
}

// The merged identity's existing datasets, their rows locked in name order (pg_record_writes.hpp's lock
// order: a DeleteDataset running now either committed before or waits).
Result<std::vector<std::string>> lock_existing_datasets(PgConnection& tx, std::string_view identity) {
    auto rows =
        tx.exec("SELECT name FROM datasets WHERE identity_id = $1 AND exists_now ORDER BY name FOR UPDATE",
                {identity});
    if (!rows) return rows.status();
    std::vector<std::string> names;
    for (int r = 0; r < rows->rows(); ++r)
        names.emplace_back(rows->text(r, 0));
    return names;
}

Result<std::vector<WireRecord>> records_of(PgConnection& tx, std::string_view identity,
                                           std::string_view dataset) {
    auto rows = tx.exec(
        "SELECT key, value, sync_count, last_modified_date, last_modified_by, device_last_modified_date "
        "FROM records WHERE identity_id = $1 AND dataset_name = $2 ORDER BY sync_count, key",
        {identity, dataset});
    if (!rows) return rows.status();
    std::vector<WireRecord> records;
    for (int r = 0; r < rows->rows(); ++r) {
        records.push_back(WireRecord{std::string(rows->text(r, 0)), rows->optional_text(r, 1),
                                     rows->int64(r, 2), rows->int64(r, 3), std::string(rows->text(r, 4)),
                                     rows->int64(r, 5)});
    }
    return records;
}

// The survivor already has a dataset of that name: the merged records are one write to it, at its next
// sync count, with no quota in the way.
Result<std::int64_t> write_onto(PgConnection& tx, const SyncLimits& limits, std::string_view deployment_id,
                                std::string_view pool_id, std::string_view survivor, std::string_view merged,
                                std::string_view to, const DatasetRow& target,
                                const std::vector<WireRecord>& records, EpochMillis now,
                                std::vector<NewStreamRecord>& events) {
    SyncLimits unbounded = limits;
    unbounded.max_records_per_dataset = std::numeric_limits<std::int64_t>::max();
    unbounded.max_bytes_per_dataset = std::numeric_limits<std::int64_t>::max();
    unbounded.max_datasets_per_identity = std::numeric_limits<std::int64_t>::max();
    std::vector<VersionedWrite> writes;
    writes.reserve(records.size());
    for (const auto& record : records) {
        auto stored = pg_load_version(tx, survivor, to, record.key);
        if (!stored) return stored.status();
        VersionedWrite w;
        w.key = record.key;
        w.value = record.value;
        w.device_last_modified_date = record.device_last_modified_date;
        w.existed = *stored && (*stored)->value;
        w.stored_size = *stored ? live_size(record.key, (*stored)->value) : 0;
        w.stored_version = *stored ? (*stored)->version : 0;
        writes.push_back(std::move(w));
    }
    NewStreamRecord event;
    auto written =
        pg_write_versions(tx, unbounded, pool_id, survivor, to, target, merged,
                          Authorship{deployment_id, /*latch_open=*/true}, std::move(writes), now, event);
    if (!written) return written.status();
    events.push_back(std::move(event));
    return target.sync_count + 1;
}

// The survivor has no dataset of that name, or one it deleted (`target`, locked): the rows move, keeping
// their sync counts (past the deleted one's, so that its counts stay monotonic), each a new version.
Result<std::int64_t> move_to(PgConnection& tx, std::string_view deployment_id, std::string_view pool_id,
                             std::string_view survivor, std::string_view merged, std::string_view from,
                             std::string_view to, const DatasetRow& source, const DatasetRow& target,
                             std::vector<WireRecord> records, EpochMillis now,
                             std::vector<NewStreamRecord>& events) {
    // A deleted target has no records left: the moved keys have no stored version to pass.
    auto clock = pg_read_clock(tx, records.size());
    if (!clock) return clock.status();
    const std::int64_t offset = target.sync_count;
    std::vector<RecordAuthorship> authorship;
    authorship.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto& record = records[i];
        const auto [origin_seq, version] = (*clock)[i];
        record.sync_count += offset;
        auto moved = tx.exec(
            "UPDATE records SET identity_id = $1, dataset_name = $2, sync_count = $3::bigint, origin = $4, "
            "version = $5::bigint, origin_seq = $6::bigint WHERE identity_id = $7 AND dataset_name = $8 "
            "AND key = $9",
            {survivor, to, record.sync_count, deployment_id, version, origin_seq, merged, from, record.key});
        if (!moved) return moved.status();
        authorship.push_back({std::string(deployment_id), version, origin_seq, false, true});
    }
    const std::int64_t sync_count = source.sync_count + offset;
    auto updated = tx.exec(
        "UPDATE datasets SET sync_count = $3::bigint, exists_now = TRUE, creation_date = $4::bigint, "
        "last_modified_date = $5::bigint, last_modified_by = $6, data_storage = $7::bigint, "
        "num_records = $8::bigint WHERE identity_id = $1 AND name = $2",
        {survivor, to, sync_count, source.creation_date, now, source.last_modified_by, source.data_storage,
         source.num_records});
    if (!updated) return updated.status();
    events.push_back(
        NewStreamRecord{std::string(survivor),
                        dataset_change_event(pool_id, survivor, to, sync_count, now, records, authorship)});
    return sync_count;
}

}  // namespace

Result<std::vector<MovedDataset>> pg_merge_identity(PgConnection& tx, const SyncLimits& limits,
                                                    std::string_view deployment_id, std::string_view survivor,
                                                    std::string_view merged, EpochMillis now,
                                                    std::vector<NewStreamRecord>& events) {
    if (survivor == merged) return Status{Errc::invalid_argument, "an identity cannot be merged into itself"};
    // Both rows, in id order: two merges (or a merge and a deletion) lock them alike.
    auto rows = tx.exec(
        "SELECT identity_id, pool_id, merged_into IS NOT NULL FROM identities "
        "WHERE identity_id = $1 OR identity_id = $2 ORDER BY identity_id COLLATE \"C\" FOR UPDATE",
        {survivor, merged});
    if (!rows) return rows.status();
    std::string survivor_pool, merged_pool;
    for (int r = 0; r < rows->rows(); ++r) {
        if (rows->text(r, 2) == "t") continue;  // merged before: as good as gone
        (rows->text(r, 0) == survivor ? survivor_pool : merged_pool) = std::string(rows->text(r, 1));
    }
    if (survivor_pool.empty()) return identity_not_found(survivor);
    if (merged_pool.empty()) return identity_not_found(merged);
    if (survivor_pool != merged_pool)
        return Status{Errc::invalid_argument, "identities of two identity pools cannot be merged"};

    auto names = lock_existing_datasets(tx, merged);
    if (!names) return names.status();
    std::vector<MovedDataset> moved;
    for (const auto& name : *names) {
        const std::string to = merged_dataset_name(name, merged);
        auto source = pg_load_dataset(tx, merged, name);
        if (!source) return source.status();
        auto records = records_of(tx, merged, name);
        if (!records) return records.status();
        auto target = pg_lock_dataset(tx, survivor, to, now);
        if (!target) return target.status();
        Result<std::int64_t> sync_count = std::int64_t{0};
        if (target->exists) {
            // A write to the survivor's dataset, counted as one sync session as SQLite counts it.
            if (Status s = pg_count_sync_session(tx, survivor_pool, survivor, now); !s) return s;
            sync_count = write_onto(tx, limits, deployment_id, survivor_pool, survivor, merged, to, *target,
                                    *records, now, events);
        } else {
            sync_count = move_to(tx, deployment_id, survivor_pool, survivor, merged, name, to, **source,
                                 *target, std::move(records).value(), now, events);
        }
        if (!sync_count) return sync_count.status();
        moved.push_back(MovedDataset{name, to, *sync_count});
    }

    // What is left of the merged identity: deleted datasets' rows, and what lets it act.
    if (Status s = pg_remember_erased_versions(tx, merged, std::nullopt); !s) return s;
    constexpr PgSql kErase[] = {
        "DELETE FROM records WHERE identity_id = $1",
        "DELETE FROM datasets WHERE identity_id = $1",
        "DELETE FROM credentials WHERE identity_id = $1",
        "DELETE FROM subscriptions WHERE identity_id = $1",
        "DELETE FROM devices WHERE identity_id = $1",
        "DELETE FROM import_marks WHERE identity_id = $1",
        "DELETE FROM unlinked_providers WHERE identity_id = $1",
    };
    for (const PgSql& statement : kErase)
        if (auto erased = tx.exec(statement, {merged}); !erased) return erased.status();
    if (auto logins =
            tx.exec("UPDATE identity_logins SET identity_id = $1 WHERE identity_id = $2", {survivor, merged});
        !logins)
        return logins.status();
    if (auto disabled = tx.exec(
            "UPDATE identities SET merged_into = $1, last_modified = $3::bigint WHERE identity_id = $2",
            {survivor, merged, now});
        !disabled)
        return disabled.status();
    if (auto touched = tx.exec("UPDATE identities SET last_modified = $2::bigint WHERE identity_id = $1",
                               {survivor, now});
        !touched)
        return touched.status();
    return moved;
}

}  // namespace synclatch::server
