// SqliteStorage's processor side (DESIGN.md "The latch"): publishing with a checkpoint, and applying received
// versions with the latch closed, once each, newest version wins.
#include <tuple>

#include "store/sqlite/record_writes.hpp"
#include "store/sqlite/sqlite_storage_impl.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace {

// The identity's pool; the identity is created (as the event's pool names it) when new here.
Result<std::string> pool_for(sqlite::Database& db, const ReceivedWrite& w, EpochMillis now) {
    sqlite::StatementScope select(db.cached("SELECT pool_id FROM identities WHERE identity_id = ?1"));
    select->bind(1, w.identity_id);
    if (select->step()) return select->column_string(0);
    if (w.pool_id.empty())
        return Status{Errc::not_found, "identity " + w.identity_id + " is unknown here and no pool is named"};
    sqlite::StatementScope pool(db.cached("SELECT 1 FROM identity_pools WHERE pool_id = ?1"));
    pool->bind(1, w.pool_id);
    if (!pool->step()) return Status{Errc::not_found, "identity pool " + w.pool_id + " does not exist here"};
    sqlite::StatementScope insert(db.cached(
        "INSERT INTO identities (identity_id, pool_id, created, last_modified) VALUES (?1, ?2, ?3, ?3)"));
    insert->bind(1, w.identity_id).bind(2, w.pool_id).bind(3, now).run();
    return w.pool_id;
}

// A received DeleteDataset inside the caller's savepoint. The dataset goes when nothing in it is newer than
// the deletion by (version, origin); records that are newer were written after it elsewhere and stay, and
// then only the older ones are removed. The clock moves past the deletion either way.
Result<ApplyOutcome> apply_deletion(sqlite::Database& db, DeploymentClock& clock, const SyncLimits& limits,
                                    const std::string& pool, ReceivedWrite& w, EpochMillis now) {
    if (w.version > clock.value) {
        clock.value = w.version;
        clock.dirty = true;
    }
    const auto row = load_dataset(db, w.identity_id, w.dataset);
    if (!row || !row->exists) return ApplyOutcome::stale;
    std::vector<VersionedWrite> removals;
    bool newer = false;
    {
        sqlite::StatementScope select(db.cached(
            "SELECT key, value, version, origin FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
        select->bind(1, w.identity_id).bind(2, w.dataset);
        while (select->step()) {
            const std::int64_t version = select->column_int64(2);
            const std::string origin = select->column_string(3);
            if (std::tie(version, origin) >= std::tie(w.version, w.origin)) {
                newer = true;
                continue;
            }
            const auto value = select->column_optional_string(1);
            if (!value) continue;  // removed already
            VersionedWrite removal;
            removal.key = select->column_string(0);
            removal.device_last_modified_date = w.device_last_modified_date;
            removal.version = w.version;
            removal.origin_seq = w.origin_seq;
            removal.existed = true;
            removal.stored_size = live_size(removal.key, value);
            removals.push_back(std::move(removal));
        }
    }
    if (!newer) {
        erase_dataset(db, pool, w.identity_id, w.dataset, *row,
                      RecordAuthorship{w.origin, w.version, w.origin_seq, true, /*latch_open=*/false}, now);
    } else {
        if (removals.empty()) return ApplyOutcome::stale;
        auto written = write_versions(db, clock, limits, pool, w.identity_id, w.dataset, w.origin,
                                      Authorship{w.origin, /*latch_open=*/false}, std::move(removals), now);
        if (!written.ok()) return written.status();
        remember_erasure(db, w.identity_id, w.dataset, w.version, w.origin);
    }
    if (w.forward) insert_stream_record(db, "events", w.forward->partition_key, w.forward->data, now);
    return ApplyOutcome::applied;
}

// One received write inside the caller's savepoint; an error means: roll it back, rejected.
Result<ApplyOutcome> apply_one(sqlite::Database& db, DeploymentClock& clock, const SyncLimits& limits,
                               std::string_view processor, ReceivedWrite& w, EpochMillis now) {
    if (Status s = validate_received(w); !s.ok()) return s;
    {
        sqlite::StatementScope seen(
            db.cached("INSERT INTO applied_events (processor, event_id, applied) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT DO NOTHING"));
        seen->bind(1, processor).bind(2, w.event_id).bind(3, now).run();
        if (db.changes() == 0) return ApplyOutcome::duplicate;
    }
    auto pool = pool_for(db, w, now);
    if (!pool.ok()) return pool.status();
    if (w.deletes_dataset) return apply_deletion(db, clock, limits, *pool, w, now);
    const auto stored = load_version(db, w.identity_id, w.dataset, w.key);
    if (stored && std::tie(stored->version, stored->origin) >= std::tie(w.version, w.origin))
        return ApplyOutcome::stale;
    if (!stored && erased_since(db, w.identity_id, w.dataset, w.version, w.origin))
        return ApplyOutcome::stale;
    VersionedWrite write;
    write.key = w.key;
    write.value = w.value;
    write.device_last_modified_date = w.device_last_modified_date;
    write.version = w.version;
    write.origin_seq = w.origin_seq;
    write.existed = stored && stored->value;
    write.stored_size = stored ? live_size(w.key, stored->value) : 0;
    std::vector<VersionedWrite> writes;
    writes.push_back(std::move(write));
    auto written = write_versions(db, clock, limits, *pool, w.identity_id, w.dataset, w.origin,
                                  Authorship{w.origin, /*latch_open=*/false}, std::move(writes), now);
    if (!written.ok()) return written.status();
    if (w.forward) insert_stream_record(db, "events", w.forward->partition_key, w.forward->data, now);
    return ApplyOutcome::applied;
}

}  // namespace

Status SqliteStorage::publish(std::string_view stream, const std::vector<NewStreamRecord>& records,
                              const Checkpoint& done, EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) {
        for (const auto& r : records)
            insert_stream_record(db, stream, r.partition_key, r.data, now);
        store_checkpoint(db, done, now);
        return Status{};
    });
}

Result<std::vector<AppliedWrite>> SqliteStorage::apply_received(std::string_view processor,
                                                                std::vector<ReceivedWrite> writes,
                                                                const std::optional<Checkpoint>& done,
                                                                EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Result<std::vector<AppliedWrite>> {
        std::vector<AppliedWrite> outcomes(writes.size());
        for (std::size_t i = 0; i < writes.size(); ++i) {
            db.run_cached("SAVEPOINT received");
            auto outcome = apply_one(db, impl_->clock, impl_->limits, processor, writes[i], now);
            if (outcome.ok()) {
                outcomes[i].outcome = *outcome;
            } else {
                db.run_cached("ROLLBACK TO received");
                outcomes[i] = {ApplyOutcome::rejected, outcome.status().message()};
            }
            db.run_cached("RELEASE received");
        }
        persist_clock(db, impl_->clock);
        if (done) store_checkpoint(db, *done, now);
        return outcomes;
    });
}

Result<std::optional<RecordVersion>> SqliteStorage::record_version(std::string_view identity_id,
                                                                   std::string_view dataset,
                                                                   std::string_view key) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<RecordVersion>> {
        const auto stored = load_version(db, identity_id, dataset, key);
        if (!stored) return std::optional<RecordVersion>();
        return std::optional<RecordVersion>(
            RecordVersion{stored->value, stored->origin, stored->version, stored->sync_count});
    });
}

}  // namespace synclatch::server
