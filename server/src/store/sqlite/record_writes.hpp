// The one path every record write of the server takes (DESIGN.md "The latch"). A client's UpdateRecords
// and a processor's replicated write both set the record's origin, version and origin sequence here, and
// append the dataset-changes event in the same transaction: no write path can leave a stale latch, and
// publishing reads what was written, never the row state later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/change_event.hpp"
#include "store/record_versions.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

std::optional<DatasetRow> load_dataset(core::sqlite::Database& db, std::string_view identity,
                                       std::string_view name);

std::optional<StoredVersion> load_version(core::sqlite::Database& db, std::string_view identity,
                                          std::string_view dataset, std::string_view key);

// The deployment's clock (a Lamport clock): latch-open writes take its next values as their version and
// origin sequence, and it moves past every version written, so a local write always orders after every
// version this deployment has seen of its key, even one erased by DeleteDataset since. It lives in memory
// (guarded by the writer's mutex) and is kept in server_meta by persist_clock() in every transaction that
// used it, before that transaction commits: a value is never handed out twice, even across a crash.
struct DeploymentClock {
    std::int64_t value = 0;
    bool dirty = false;  // moved since it was last persisted
};
DeploymentClock load_clock(core::sqlite::Database& db);
void persist_clock(core::sqlite::Database& db, DeploymentClock& clock);

// Writes them all as the dataset's next sync count, with the dataset row, usage counters and the outbox
// event; or returns a quota error and writes nothing (the caller rolls back). Latch-open writes take their
// version and origin sequence from the clock, which also moves past every version written; the caller
// persists it before its transaction commits.
Result<std::vector<sync::WireRecord>> write_versions(core::sqlite::Database& db, DeploymentClock& clock,
                                                     const SyncLimits& limits, std::string_view pool_id,
                                                     std::string_view identity_id, std::string_view dataset,
                                                     std::string_view author, const Authorship& by,
                                                     std::vector<VersionedWrite> writes, EpochMillis now);

// DeleteDataset's erasure inside the caller's transaction (a client's, or one received from a peer): the
// records go, the dataset is marked deleted at its sync count, and its dataset-changes record (operation
// "delete", with `by`'s authorship) is appended. The caller has checked that the dataset exists.
void erase_dataset(core::sqlite::Database& db, std::string_view pool_id, std::string_view identity_id,
                   std::string_view dataset, const DatasetRow& row, const RecordAuthorship& by,
                   EpochMillis now);

// The same without the dataset-changes record (an import's removal, import_storage.hpp): the records go,
// the dataset is marked deleted at its sync count, and the erasure at (version, origin) is remembered.
void erase_dataset_rows(core::sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                        std::int64_t version, std::string_view origin, EpochMillis now);

// A deletion of the dataset at (version, origin), remembered on its row (the newest one wins), so that a
// replicated write of a key it erased, older than it, is stale though no record is left to say so.
void remember_erasure(core::sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                      std::int64_t version, std::string_view origin);
// Whether the dataset was deleted at or after (version, origin).
bool erased_since(core::sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                  std::int64_t version, std::string_view origin);

// Appends a record to a stream inside the caller's transaction; returns its sequence number.
std::int64_t insert_stream_record(core::sqlite::Database& db, std::string_view stream,
                                  std::string_view partition_key, std::string_view data, EpochMillis created);

// Sets a consumer group's position inside the caller's transaction.
void store_checkpoint(core::sqlite::Database& db, const Checkpoint& checkpoint, EpochMillis now);

}  // namespace synclatch::server
