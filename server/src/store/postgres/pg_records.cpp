// PgStorage's RecordStorage: datasets and their records with Cognito Sync's semantics (PROTOCOL.md §3).
// UpdateRecords goes through group commit, one job per request, ordered by its dataset; the writes
// themselves are pg_record_writes.hpp's.
#include <algorithm>
#include <limits>
#include <memory>
#include <tuple>

#include "events/change_event.hpp"
#include "store/postgres/pg_record_writes.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/postgres/pg_stream_appends.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

using sync::DatasetDescription;
using sync::PatchOp;
using sync::RecordPatch;
using sync::WireRecord;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

Status dataset_not_found(std::string_view name) {
    std::string message = "Dataset ";
    message.append(name).append(" does not exist");
    return {Errc::not_found, std::move(message)};
}

Status pool_not_found(std::string_view pool_id) {
    std::string message = "IdentityPool '";
    message.append(pool_id).append("' not found.");
    return {Errc::not_found, std::move(message)};
}

// A row of (key, value, sync_count, last_modified_date, last_modified_by, device_last_modified_date).
WireRecord wire_record_at(const PgResult& rows, int r) {
    return WireRecord{
        std::string(rows.text(r, 0)), rows.optional_text(r, 1), rows.int64(r, 2), rows.int64(r, 3),
        std::string(rows.text(r, 4)), rows.int64(r, 5)};
}

DatasetDescription describe(std::string_view identity, std::string_view name, const DatasetRow& row) {
    return {std::string(identity), std::string(name), row.creation_date, row.last_modified_date,
            row.last_modified_by,  row.data_storage,  row.num_records};
}

std::int64_t page_size_of(std::int64_t max_results, const SyncLimits& limits) {
    return max_results > 0 ? std::min(max_results, limits.max_results_per_page) : limits.max_results_per_page;
}

// The group commit order key of a dataset's writes: batches lock datasets in this order.
std::string dataset_order_key(std::string_view identity_id, std::string_view dataset) {
    std::string key(identity_id);
    key.push_back('\0');
    key.append(dataset);
    return key;
}

// UpdateRecords' work in its job (validated input): the identity, its session count and the dataset row
// locked in that order (pg_record_writes.hpp), each patch checked against the stored sync count, then
// written as this deployment's own version (latch open).
Result<UpdateRecordsOutcome> apply_update(PgConnection& tx, const SyncLimits& limits,
                                          std::string_view deployment_id, std::string_view identity_id,
                                          std::string_view dataset, std::string_view author,
                                          const std::vector<RecordPatch>& patches, EpochMillis now,
                                          NewStreamRecord& event) {
    auto pool = pg_lock_identity_counting_session(tx, identity_id, now);
    if (!pool) return pool.status();
    auto row = pg_lock_dataset(tx, identity_id, dataset, now);
    if (!row) return row.status();
    std::vector<VersionedWrite> writes;
    writes.reserve(patches.size());
    for (const auto& patch : patches) {
        auto stored = pg_load_version(tx, identity_id, dataset, patch.key);
        if (!stored) return stored.status();
        if (Status s = check_patch_sync_count(patch, *stored ? (*stored)->sync_count : 0); !s.ok()) return s;
        VersionedWrite w;
        w.key = patch.key;
        if (patch.op == PatchOp::replace) w.value = patch.value.value_or("");
        w.device_last_modified_date = patch.device_last_modified_date.value_or(now);
        w.existed = *stored && (*stored)->value;
        w.stored_size = *stored ? live_size(patch.key, (*stored)->value) : 0;
        w.stored_version = *stored ? (*stored)->version : 0;
        writes.push_back(std::move(w));
    }
    UpdateRecordsOutcome outcome;
    auto written =
        pg_write_versions(tx, limits, *pool, identity_id, dataset, *row, author,
                          Authorship{deployment_id, /*latch_open=*/true}, std::move(writes), now, event);
    if (!written) return written.status();
    outcome.records = std::move(written).value();
    // Read here, in the write's own transaction, rather than in a read transaction of its own.
    auto subscribers = tx.exec(
        "SELECT device_id FROM subscriptions WHERE identity_id = $1 AND dataset_name = $2 ORDER BY device_id",
        {identity_id, dataset});
    if (!subscribers) return subscribers.status();
    for (int r = 0; r < subscribers->rows(); ++r)
        outcome.subscribers.emplace_back(subscribers->text(r, 0));
    return outcome;
}

}  // namespace

Result<sync::ListRecordsResult> PgStorage::list_records(std::string_view identity_id,
                                                        std::string_view dataset,
                                                        std::int64_t last_sync_count,
                                                        std::string_view next_token,
                                                        std::int64_t max_results) const {
    auto from = list_records_start(dataset, last_sync_count, next_token);
    if (!from.ok()) return from.status();
    const std::int64_t page_size = page_size_of(max_results, impl_->limits);

    return impl_->read([&](PgConnection& tx) -> Result<sync::ListRecordsResult> {
        sync::ListRecordsResult page;
        auto row = pg_load_dataset(tx, identity_id, dataset);
        if (!row) return row.status();
        page.dataset_exists = *row && (*row)->exists;
        page.dataset_sync_count = *row ? (*row)->sync_count : 0;
        page.dataset_deleted_after_requested_sync_count =
            *row && (*row)->deleted_at && last_sync_count > 0 && last_sync_count <= *(*row)->deleted_at;
        if (page.dataset_exists && last_sync_count > (*row)->sync_count)
            return invalid("No such SyncCount: " + std::to_string(last_sync_count));
        if (*row && !(*row)->last_modified_by.empty()) page.last_modified_by = (*row)->last_modified_by;
        if (page.dataset_exists) {
            auto records = tx.exec(
                "SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                "device_last_modified_date FROM records WHERE identity_id = $1 AND dataset_name = $2 "
                "AND (sync_count, key) > ($3::bigint, $4) ORDER BY sync_count, key LIMIT $5::bigint",
                {identity_id, dataset, from->sync_count, from->key, page_size + 1});
            if (!records) return records.status();
            for (int r = 0; r < records->rows(); ++r)
                page.records.push_back(wire_record_at(*records, r));
            if (static_cast<std::int64_t>(page.records.size()) > page_size) {
                page.records.pop_back();
                page.next_token =
                    encode_record_cursor({page.records.back().sync_count, page.records.back().key});
            }
        }
        // Merged datasets (PROTOCOL.md §3.5): "<dataset>.<merged identity>" of the identities merged into
        // this one, while they exist; a dataset that is merely named with a dot is not one.
        auto merged = tx.exec(
            "SELECT identity_id FROM identities WHERE merged_into = $1 ORDER BY identity_id", {identity_id});
        if (!merged) return merged.status();
        for (int r = 0; r < merged->rows(); ++r) {
            std::string name = merged_dataset_name(dataset, merged->text(r, 0));
            auto merged_row = pg_load_dataset(tx, identity_id, name);
            if (!merged_row) return merged_row.status();
            if (*merged_row && (*merged_row)->exists) page.merged_dataset_names.push_back(std::move(name));
        }
        return page;
    });
}

void PgStorage::submit_update_records(std::string identity_id, std::string dataset, std::string author,
                                      std::vector<RecordPatch> patches, EpochMillis now,
                                      UpdateRecordsDone done) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return done(std::move(s));
    if (Status s = validate_patches(patches, impl_->limits); !s.ok()) return done(std::move(s));
    struct Update {
        std::string identity_id, dataset, author;
        std::vector<RecordPatch> patches;
        EpochMillis now;
        UpdateRecordsOutcome outcome;
    };
    auto update = std::make_shared<Update>(
        Update{std::move(identity_id), std::move(dataset), std::move(author), std::move(patches), now, {}});
    std::string order_key = dataset_order_key(update->identity_id, update->dataset);
    impl_->committer.submit(
        std::move(order_key),
        // Run again whole when PostgreSQL aborts the batch: it reads only `update`'s input, and replaces
        // (never adds to) its outcome.
        [update, &limits = impl_->limits, &deployment = impl_->deployment_id](
            PgConnection& tx, PgStreamAppends& appends) -> Status {
            NewStreamRecord event;
            auto outcome = apply_update(tx, limits, deployment, update->identity_id, update->dataset,
                                        update->author, update->patches, update->now, event);
            if (!outcome) return outcome.status();
            update->outcome = std::move(outcome).value();
            appends.add(std::string(kDatasetChangesStream), std::move(event));
            return {};
        },
        [update, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            done(std::move(update->outcome));
        });
}

Result<DatasetDescription> PgStorage::describe_dataset(std::string_view identity_id,
                                                       std::string_view dataset) const {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->read([&](PgConnection& tx) -> Result<DatasetDescription> {
        auto row = pg_load_dataset(tx, identity_id, dataset);
        if (!row) return row.status();
        if (!*row || !(*row)->exists) return dataset_not_found(dataset);
        return describe(identity_id, dataset, **row);
    });
}

Result<DatasetDescription> PgStorage::delete_dataset(std::string_view identity_id, std::string_view dataset,
                                                     EpochMillis now) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    // Its dataset-changes record (operation "delete", latch open) is what bridges replicate.
    return impl_->write([&](PgConnection& tx) -> Result<DatasetDescription> {
        // The dataset's row only: no placeholder for a dataset that has none, and no other lock, so this
        // waits for nothing while holding anything.
        auto rows = tx.exec(
            "SELECT sync_count, exists_now, deleted_at, creation_date, last_modified_date, last_modified_by, "
            "data_storage, num_records FROM datasets WHERE identity_id = $1 AND name = $2 FOR UPDATE",
            {identity_id, dataset});
        if (!rows) return rows.status();
        if (rows->rows() == 0 || rows->text(0, 1) != "t") return dataset_not_found(dataset);
        DatasetRow row;
        row.creation_date = rows->int64(0, 3);
        row.last_modified_date = rows->int64(0, 4);
        row.last_modified_by = std::string(rows->text(0, 5));
        row.data_storage = rows->int64(0, 6);
        row.num_records = rows->int64(0, 7);
        row.sync_count = rows->int64(0, 0);
        auto pool = tx.exec("SELECT pool_id FROM identities WHERE identity_id = $1", {identity_id});
        if (!pool) return pool.status();
        if (pool->rows() == 0) return dataset_not_found(dataset);
        // The deletion's version orders after every version of the dataset's keys (the floor raised first).
        if (Status s = pg_remember_erased_versions(tx, identity_id, dataset); !s) return s;
        auto clock = pg_read_clock(tx, 1);
        if (!clock) return clock.status();
        const RecordAuthorship by{impl_->deployment_id, clock->front().version, clock->front().origin_seq,
                                  true,
                                  /*latch_open=*/true};
        if (Status s = pg_erase_dataset(tx, identity_id, dataset, by.version, by.origin, now); !s) return s;
        const std::vector<NewStreamRecord> change = {
            {std::string(identity_id),
             dataset_deleted_change(pool->text(0, 0), identity_id, dataset, row.sync_count, now, by)}};
        if (auto appended = pg_append_stream_records(tx, kDatasetChangesStream, change, now); !appended)
            return appended.status();
        return describe(identity_id, dataset, row);
    });
}

Result<DatasetPage> PgStorage::list_datasets(std::string_view identity_id, std::string_view next_token,
                                             std::int64_t max_results) const {
    auto after = decode_dataset_cursor(next_token);
    if (!after.ok()) return after.status();
    const std::int64_t page_size = page_size_of(max_results, impl_->limits);
    return impl_->read([&](PgConnection& tx) -> Result<DatasetPage> {
        DatasetPage page;
        auto rows = tx.exec(
            "SELECT name, creation_date, last_modified_date, last_modified_by, data_storage, num_records "
            "FROM datasets WHERE identity_id = $1 AND exists_now AND name > $2 ORDER BY name "
            "LIMIT $3::bigint",
            {identity_id, *after, page_size + 1});
        if (!rows) return rows.status();
        for (int r = 0; r < rows->rows(); ++r) {
            page.datasets.push_back(DatasetDescription{
                std::string(identity_id), std::string(rows->text(r, 0)), rows->int64(r, 1), rows->int64(r, 2),
                std::string(rows->text(r, 3)), rows->int64(r, 4), rows->int64(r, 5)});
        }
        if (static_cast<std::int64_t>(page.datasets.size()) > page_size) {
            page.datasets.pop_back();
            page.next_token = encode_dataset_cursor(page.datasets.back().dataset_name);
        }
        return page;
    });
}

Result<sync::IdentityUsage> PgStorage::describe_identity_usage(std::string_view identity_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<sync::IdentityUsage> {
        // Last modified: the identity's creation or its latest dataset change (deletions included).
        auto identity = tx.exec(
            "SELECT pool_id, greatest(last_modified, coalesce((SELECT max(last_modified_date) FROM datasets "
            "WHERE identity_id = $1), 0)), "
            "(SELECT count(*) FROM datasets WHERE identity_id = $1 AND exists_now), "
            "(SELECT coalesce(sum(data_storage), 0) FROM datasets WHERE identity_id = $1 AND exists_now) "
            "FROM identities WHERE identity_id = $1",
            {identity_id});
        if (!identity) return identity.status();
        if (identity->rows() == 0)
            return Status{Errc::not_found, "Identity '" + std::string(identity_id) + "' not found."};
        return sync::IdentityUsage{std::string(identity_id), std::string(identity->text(0, 0)),
                                   identity->int64(0, 1), identity->int64(0, 2), identity->int64(0, 3)};
    });
}

// A pool's sync sessions: those counted per identity here, plus the pool row's own count, which holds the
// sessions of a copied embedded store (synclatch-server copy; the SQLite engine counts on the pool's row).
Result<sync::IdentityPoolUsage> PgStorage::describe_pool_usage(std::string_view pool_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<sync::IdentityPoolUsage> {
        auto pool = tx.exec(
            "SELECT p.sync_sessions + (SELECT coalesce(sum(sessions), 0) FROM sync_sessions "
            "WHERE pool_id = p.pool_id), "
            "greatest(p.last_modified, (SELECT max(last_modified) FROM sync_sessions "
            "WHERE pool_id = p.pool_id)), "
            "(SELECT coalesce(sum(d.data_storage), 0) FROM datasets d JOIN identities i "
            "ON d.identity_id = i.identity_id WHERE i.pool_id = p.pool_id AND d.exists_now) "
            "FROM identity_pools p WHERE p.pool_id = $1",
            {pool_id});
        if (!pool) return pool.status();
        if (pool->rows() == 0) return pool_not_found(pool_id);
        return sync::IdentityPoolUsage{std::string(pool_id), pool->int64(0, 0), pool->int64(0, 2),
                                       pool->int64(0, 1)};
    });
}

Result<std::vector<sync::IdentityPoolUsage>> PgStorage::list_pool_usage(std::string_view after_pool_id,
                                                                        std::int64_t max_results) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<sync::IdentityPoolUsage>> {
        auto rows = tx.exec(
            "SELECT p.pool_id, p.sync_sessions + (SELECT coalesce(sum(sessions), 0) FROM sync_sessions "
            "WHERE pool_id = p.pool_id), "
            "greatest(p.last_modified, (SELECT max(last_modified) FROM sync_sessions "
            "WHERE pool_id = p.pool_id)), "
            "(SELECT coalesce(sum(d.data_storage), 0) FROM datasets d JOIN identities i "
            "ON d.identity_id = i.identity_id WHERE i.pool_id = p.pool_id AND d.exists_now) "
            "FROM identity_pools p WHERE p.pool_id > $1 ORDER BY p.pool_id LIMIT $2::bigint",
            {after_pool_id, max_results});
        if (!rows) return rows.status();
        std::vector<sync::IdentityPoolUsage> pools;
        for (int r = 0; r < rows->rows(); ++r) {
            pools.push_back(sync::IdentityPoolUsage{std::string(rows->text(r, 0)), rows->int64(r, 1),
                                                    rows->int64(r, 3), rows->int64(r, 2)});
        }
        return pools;
    });
}

Result<std::map<std::string, WireRecord>> PgStorage::stored_records(
    std::string_view identity_id, std::string_view dataset, const std::vector<std::string>& keys) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::map<std::string, WireRecord>> {
        std::map<std::string, WireRecord> records;
        for (const auto& key : keys) {
            auto row = tx.exec(
                "SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                "device_last_modified_date "
                "FROM records WHERE identity_id = $1 AND dataset_name = $2 AND key = $3",
                {identity_id, dataset, key});
            if (!row) return row.status();
            if (row->rows() == 1) records.emplace(key, wire_record_at(*row, 0));
        }
        return records;
    });
}

Result<std::int64_t> PgStorage::count_records() const {
    return impl_->read([&](PgConnection& tx) -> Result<std::int64_t> {
        auto row = tx.exec("SELECT coalesce(sum(num_records), 0)::bigint FROM datasets WHERE exists_now");
        if (!row) return row.status();
        return row->int64(0, 0);
    });
}

}  // namespace synclatch::server
