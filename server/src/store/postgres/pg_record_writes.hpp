// The PostgreSQL engine's single record-write path, the twin of store/sqlite/record_writes.hpp (DESIGN.md
// "The latch"): a client's UpdateRecords, a processor's received write and a merge all set each record's
// origin, version and origin sequence here, and produce the dataset-changes event of the write, which the
// caller appends last (pg_append_stream_records) in the same transaction.
//
// Locks, always in this order, so that writers of any server cannot deadlock each other: the identity's
// row FOR SHARE (merge and deletion take it FOR UPDATE), its sync_sessions row, then its dataset rows FOR
// UPDATE in name order; the latch floor's row, where a transaction raises it, last of all. A dataset's writes
// serialize on its row; what was committed before a writer got the row (stored versions, the latch floor) is
// what its statements read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/record_versions.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// The identity's pool, its row locked FOR SHARE until the transaction ends, so that a merge or deletion
// either committed before (not_found, as the SQLite engine answers) or waits for this write.
Result<std::string> pg_lock_identity(PgConnection& tx, std::string_view identity_id);

// Both of the above in one statement (one round trip): the identity locked, then its session counted.
Result<std::string> pg_lock_identity_counting_session(PgConnection& tx, std::string_view identity_id,
                                                      sync::EpochMillis now);

// Counts one sync session for the identity (and so its pool: describe_pool_usage sums them).
Status pg_count_sync_session(PgConnection& tx, std::string_view pool_id, std::string_view identity_id,
                             sync::EpochMillis now);

// A dataset row as committed (nullopt: none), for reads.
Result<std::optional<DatasetRow>> pg_load_dataset(PgConnection& tx, std::string_view identity_id,
                                                  std::string_view name);

// The dataset's row, locked FOR UPDATE until the transaction ends. A dataset that has no row gets one
// (exists false, sync count 0: what "no row" means to readers) so that there is a row to lock: two first
// writes then serialize like any others instead of both numbering their write 1.
Result<DatasetRow> pg_lock_dataset(PgConnection& tx, std::string_view identity_id, std::string_view name,
                                   sync::EpochMillis now);

Result<std::optional<StoredVersion>> pg_load_version(PgConnection& tx, std::string_view identity_id,
                                                     std::string_view dataset, std::string_view key);

// Writes them all as the dataset's next sync count (its row locked by pg_lock_dataset: `locked`), with the
// dataset row's usage; the dataset-changes event goes to `event`, for the caller to append last. Quotas are
// limit_exceeded and write nothing. Latch-open writes are numbered by the deployment clock: origin_seq from
// latch_clock, version past that, the latch floor and the key's stored version (w.stored_version).
// Counting the sync session is the caller's (pg_count_sync_session, in lock order).
Result<std::vector<sync::WireRecord>> pg_write_versions(
    PgConnection& tx, const SyncLimits& limits, std::string_view pool_id, std::string_view identity_id,
    std::string_view dataset, const DatasetRow& locked, std::string_view author, const Authorship& by,
    std::vector<VersionedWrite> writes, sync::EpochMillis now, NewStreamRecord& event);

// The clock's next value for one latch-open version of a key that has no stored version now (a merge's
// moved record): {origin_seq, version}.
struct PgClockReading {
    std::int64_t origin_seq = 0;
    std::int64_t version = 0;
};
Result<std::vector<PgClockReading>> pg_read_clock(PgConnection& tx, std::size_t count);

// Raises the latch floor to `version` (a version received from elsewhere, now stored).
Status pg_raise_latch_floor(PgConnection& tx, std::int64_t version);

// DeleteDataset's erasure at (version, origin) (a client's, or one received from a peer), the dataset's row
// locked: the records go, the dataset is marked deleted at its sync count, and the erasure is remembered
// (pg_remember_erasure). The caller makes its dataset-changes record.
Status pg_erase_dataset(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                        std::int64_t version, std::string_view origin, sync::EpochMillis now);

// A deletion of the dataset at (version, origin), remembered on its row (the newest one wins), so that a
// replicated write of a key it erased, older than it, is stale though no record is left to say so.
Status pg_remember_erasure(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                           std::int64_t version, std::string_view origin);
// Whether the dataset was deleted at or after (version, origin).
Result<bool> pg_erased_since(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                             std::int64_t version, std::string_view origin);

// Before records are erased (DeleteDataset, a merge, DeleteIdentities): raises the latch floor past their
// versions where latch_clock does not already cover them, so that a later local write of those keys still
// orders after them. For one dataset, or (dataset nullopt) every dataset of the identity.
Status pg_remember_erased_versions(PgConnection& tx, std::string_view identity_id,
                                   std::optional<std::string_view> dataset);

}  // namespace synclatch::server
