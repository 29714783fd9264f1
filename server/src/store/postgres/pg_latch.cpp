// PgStorage's processor side (DESIGN.md "The latch"): applying received versions with the latch closed,
// once each, newest version wins, in one transaction with the processor's checkpoint.
#include <algorithm>
#include <map>
#include <tuple>

#include "events/change_event.hpp"
#include "store/postgres/pg_record_writes.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/postgres/pg_stream_appends.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

namespace {

// The identity's pool, its row locked FOR SHARE (pg_lock_identity); the identity is created (as the
// event's pool names it) when new here. As on SQLite, an identity merged away still takes what it receives.
Result<std::string> lock_identity_for(PgConnection& tx, const ReceivedWrite& w, EpochMillis now) {
    auto found = tx.exec("SELECT pool_id FROM identities WHERE identity_id = $1 FOR SHARE", {w.identity_id});
    if (!found) return found.status();
    if (found->rows() == 1) return std::string(found->text(0, 0));
    if (w.pool_id.empty())
        return Status{Errc::not_found, "identity " + w.identity_id + " is unknown here and no pool is named"};
    // The pool row FOR KEY SHARE (what the foreign key takes anyway): it cannot go while this commits.
    auto inserted = tx.exec(
        "INSERT INTO identities (identity_id, pool_id, created, last_modified) "
        "SELECT $1, pool_id, $3::bigint, $3::bigint FROM identity_pools WHERE pool_id = $2 "
        "ON CONFLICT (identity_id) DO NOTHING",
        {w.identity_id, w.pool_id, now});
    if (!inserted) return inserted.status();
    auto again = tx.exec("SELECT pool_id FROM identities WHERE identity_id = $1 FOR SHARE", {w.identity_id});
    if (!again) return again.status();
    if (again->rows() == 0)
        return Status{Errc::not_found, "identity pool " + w.pool_id + " does not exist here"};
    return std::string(again->text(0, 0));
}

// A received DeleteDataset inside the caller's savepoint, the dataset's row locked. The dataset goes when
// nothing in it is newer than the deletion by (version, origin); records that are newer were written after
// it elsewhere and stay, and then only the older ones are removed.
Result<ApplyOutcome> apply_deletion(PgConnection& tx, const SyncLimits& limits, const std::string& pool,
                                    const ReceivedWrite& w, const DatasetRow& row, EpochMillis now,
                                    std::map<std::string, std::vector<NewStreamRecord>>& appends) {
    if (!row.exists) return ApplyOutcome::stale;
    auto records = tx.exec(
        "SELECT key, value, version, origin FROM records WHERE identity_id = $1 AND dataset_name = $2",
        {w.identity_id, w.dataset});
    if (!records) return records.status();
    std::vector<VersionedWrite> removals;
    bool newer = false;
    for (int r = 0; r < records->rows(); ++r) {
        const std::int64_t version = records->int64(r, 2);
        const std::string origin(records->text(r, 3));
        if (std::tie(version, origin) >= std::tie(w.version, w.origin)) {
            newer = true;
            continue;
        }
        const auto value = records->optional_text(r, 1);
        if (!value) continue;  // removed already
        VersionedWrite removal;
        removal.key = std::string(records->text(r, 0));
        removal.device_last_modified_date = w.device_last_modified_date;
        removal.version = w.version;
        removal.origin_seq = w.origin_seq;
        removal.existed = true;
        removal.stored_size = live_size(removal.key, value);
        removal.stored_version = version;
        removals.push_back(std::move(removal));
    }
    if (!newer) {
        if (Status s = pg_erase_dataset(tx, w.identity_id, w.dataset, w.version, w.origin, now); !s) return s;
        appends[std::string(kDatasetChangesStream)].push_back(
            {w.identity_id, dataset_deleted_change(pool, w.identity_id, w.dataset, row.sync_count, now,
                                                   RecordAuthorship{w.origin, w.version, w.origin_seq, true,
                                                                    /*latch_open=*/false})});
    } else {
        if (removals.empty()) return ApplyOutcome::stale;
        NewStreamRecord event;
        auto written =
            pg_write_versions(tx, limits, pool, w.identity_id, w.dataset, row, w.origin,
                              Authorship{w.origin, /*latch_open=*/false}, std::move(removals), now, event);
        if (!written) return written.status();
        appends[std::string(kDatasetChangesStream)].push_back(std::move(event));
        if (Status s = pg_remember_erasure(tx, w.identity_id, w.dataset, w.version, w.origin); !s) return s;
    }
    if (w.forward) appends["events"].push_back(*w.forward);
    return ApplyOutcome::applied;
}

// One received write inside the caller's savepoint; an error means: roll it back, rejected. Its
// dataset-changes event, and its forward record when applied, go to `appends` (stream → records).
Result<ApplyOutcome> apply_one(PgConnection& tx, const SyncLimits& limits, std::string_view processor,
                               const ReceivedWrite& w, EpochMillis now,
                               std::map<std::string, std::vector<NewStreamRecord>>& appends) {
    if (Status s = validate_received(w); !s.ok()) return s;
    auto seen = tx.exec(
        "INSERT INTO applied_events (processor, event_id, applied) VALUES ($1, $2, $3::bigint) "
        "ON CONFLICT DO NOTHING",
        {processor, w.event_id, now});
    if (!seen) return seen.status();
    if (seen->affected_rows() == 0) return ApplyOutcome::duplicate;
    auto pool = lock_identity_for(tx, w, now);
    if (!pool) return pool.status();
    auto row = pg_lock_dataset(tx, w.identity_id, w.dataset, now);
    if (!row) return row.status();
    if (w.deletes_dataset) return apply_deletion(tx, limits, *pool, w, *row, now, appends);
    auto stored = pg_load_version(tx, w.identity_id, w.dataset, w.key);
    if (!stored) return stored.status();
    if (*stored && std::tie((*stored)->version, (*stored)->origin) >= std::tie(w.version, w.origin))
        return ApplyOutcome::stale;
    if (!*stored) {
        auto erased = pg_erased_since(tx, w.identity_id, w.dataset, w.version, w.origin);
        if (!erased) return erased.status();
        if (*erased) return ApplyOutcome::stale;
    }
    // Only once the write is known not to be stale (a stale write counts no session); the sync_sessions row
    // is locked already (lock_in_writer_order).
    if (Status s = pg_count_sync_session(tx, *pool, w.identity_id, now); !s) return s;
    VersionedWrite write;
    write.key = w.key;
    write.value = w.value;
    write.device_last_modified_date = w.device_last_modified_date;
    write.version = w.version;
    write.origin_seq = w.origin_seq;
    write.existed = *stored && (*stored)->value;
    write.stored_size = *stored ? live_size(w.key, (*stored)->value) : 0;
    write.stored_version = *stored ? (*stored)->version : 0;
    std::vector<VersionedWrite> writes;
    writes.push_back(std::move(write));
    NewStreamRecord event;
    auto written =
        pg_write_versions(tx, limits, *pool, w.identity_id, w.dataset, *row, w.origin,
                          Authorship{w.origin, /*latch_open=*/false}, std::move(writes), now, event);
    if (!written) return written.status();
    appends[std::string(kDatasetChangesStream)].push_back(std::move(event));
    if (w.forward) appends["events"].push_back(*w.forward);
    return ApplyOutcome::applied;
}

// Takes, before any write of the batch, every lock its writes will need, in the order every writer takes
// them (pg_record_writes.hpp): identities in bytewise order, each one's row, its sync_sessions row, then
// its datasets in name order. Applied in event order instead, two processors (or a processor and a
// client's write) would lock the same rows in opposite orders and deadlock. Taken outside the writes'
// savepoints, these locks hold even when a write is rolled back. Writes that fail their checks are left to
// apply_one to reject.
Status lock_in_writer_order(PgConnection& tx, const std::vector<ReceivedWrite>& writes, EpochMillis now) {
    std::map<std::string, std::map<std::string, const ReceivedWrite*>> datasets_by_identity;  // sorted
    for (const auto& w : writes) {
        if (validate_received(w).ok()) datasets_by_identity[w.identity_id].emplace(w.dataset, &w);
    }
    for (const auto& [identity, datasets] : datasets_by_identity) {
        auto pool = lock_identity_for(tx, *datasets.begin()->second, now);
        if (!pool) {
            if (pool.status().code() == Errc::not_found) continue;  // rejected by apply_one
            return pool.status();
        }
        if (auto session =
                tx.exec("SELECT 1 FROM sync_sessions WHERE identity_id = $1 FOR UPDATE", {identity});
            !session)
            return session.status();
        for (const auto& entry : datasets) {
            if (auto row = pg_lock_dataset(tx, identity, entry.first, now); !row) return row.status();
        }
    }
    return {};
}

}  // namespace

Result<std::vector<AppliedWrite>> PgStorage::apply_received(std::string_view processor,
                                                            std::vector<ReceivedWrite> writes,
                                                            const std::optional<Checkpoint>& done,
                                                            EpochMillis now) {
    // Re-runnable (Impl::write runs it again after a deadlock): it only reads `writes`.
    return impl_->write([&](PgConnection& tx) -> Result<std::vector<AppliedWrite>> {
        if (Status locked = lock_in_writer_order(tx, writes, now); !locked) return locked;
        std::vector<AppliedWrite> outcomes(writes.size());
        std::map<std::string, std::vector<NewStreamRecord>> appends;
        std::int64_t highest_applied = 0;
        for (std::size_t i = 0; i < writes.size(); ++i) {
            if (auto saved = tx.exec("SAVEPOINT received"); !saved) return saved.status();
            std::map<std::string, std::vector<NewStreamRecord>> added;
            auto outcome = apply_one(tx, impl_->limits, processor, writes[i], now, added);
            if (outcome.ok()) {
                outcomes[i].outcome = *outcome;
                if (*outcome == ApplyOutcome::applied)
                    highest_applied = std::max(highest_applied, writes[i].version);
                for (auto& [stream, records] : added)
                    for (auto& record : records)
                        appends[stream].push_back(std::move(record));
            } else {
                const Errc code = outcome.status().code();
                // The transaction itself failed: all of it again, or the error.
                if (code == Errc::busy || code == Errc::unavailable) return outcome.status();
                if (auto undone = tx.exec("ROLLBACK TO SAVEPOINT received"); !undone) return undone.status();
                outcomes[i] = {ApplyOutcome::rejected, outcome.status().message()};
            }
            if (auto released = tx.exec("RELEASE SAVEPOINT received"); !released) return released.status();
        }
        // Local writes of these keys order after them from now on, even once DeleteDataset has erased
        // them. Once, after the dataset rows: the floor's row is locked last, as DeleteDataset and merges do.
        if (highest_applied > 0) {
            if (Status s = pg_raise_latch_floor(tx, highest_applied); !s) return s;
        }
        if (done) {
            auto moved = tx.exec(
                "INSERT INTO stream_checkpoints (stream, consumer_group, seq, updated) "
                "VALUES ($1, $2, $3::bigint, $4::bigint) ON CONFLICT (stream, consumer_group) "
                "DO UPDATE SET seq = excluded.seq, updated = excluded.updated",
                {done->stream, done->group, done->seq, now});
            if (!moved) return moved.status();
        }
        // Last, just before the commit: the append lock is held from here to the end of the transaction.
        for (const auto& [stream, records] : appends)
            if (auto numbered = pg_append_stream_records(tx, stream, records, now); !numbered)
                return numbered.status();
        return outcomes;
    });
}

Result<std::optional<RecordVersion>> PgStorage::record_version(std::string_view identity_id,
                                                               std::string_view dataset,
                                                               std::string_view key) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::optional<RecordVersion>> {
        auto stored = pg_load_version(tx, identity_id, dataset, key);
        if (!stored) return stored.status();
        if (!*stored) return std::optional<RecordVersion>();
        return std::optional<RecordVersion>(
            RecordVersion{(*stored)->value, (*stored)->origin, (*stored)->version, (*stored)->sync_count});
    });
}

}  // namespace synclatch::server
