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

#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

struct DatasetRow {
    std::int64_t sync_count = 0;
    bool exists = false;
    std::optional<std::int64_t> deleted_at;
    EpochMillis creation_date = 0;
    EpochMillis last_modified_date = 0;
    std::string last_modified_by;
    std::int64_t data_storage = 0;
    std::int64_t num_records = 0;
};
std::optional<DatasetRow> load_dataset(core::sqlite::Database& db, std::string_view identity,
                                       std::string_view name);

// A key's stored version (a removed key keeps its row, value null).
struct StoredVersion {
    std::int64_t sync_count = 0;
    std::optional<std::string> value;
    std::string origin;
    std::int64_t version = 0;
};
std::optional<StoredVersion> load_version(core::sqlite::Database& db, std::string_view identity,
                                          std::string_view dataset, std::string_view key);

// Bytes a record counts against the dataset's quota: key and value, nothing once removed.
std::int64_t live_size(std::string_view key, const std::optional<std::string>& value);

// Who authors a write. latch_open: this deployment's own (a client's) write, which the trigger publishes;
// closed: a write received from elsewhere, which is never published again.
struct Authorship {
    std::string_view origin;
    bool latch_open = true;
};

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

// One record version to write; the caller has made its checks (sync counts, or versions).
struct VersionedWrite {
    std::string key;
    std::optional<std::string> value;  // nullopt: a removal
    EpochMillis device_last_modified_date = 0;
    std::int64_t version = 0;      // latch closed: the version at its origin; open: numbered here
    std::int64_t origin_seq = 0;   // likewise
    bool existed = false;          // a value was stored before
    std::int64_t stored_size = 0;  // live_size of what was stored before
};

// Writes them all as the dataset's next sync count, with the dataset row, usage counters and the outbox
// event; or returns a quota error and writes nothing (the caller rolls back). Latch-open writes take their
// version and origin sequence from the clock, which also moves past every version written; the caller
// persists it before its transaction commits.
Result<std::vector<sync::WireRecord>> write_versions(core::sqlite::Database& db, DeploymentClock& clock,
                                                     const SyncLimits& limits, std::string_view pool_id,
                                                     std::string_view identity_id, std::string_view dataset,
                                                     std::string_view author, const Authorship& by,
                                                     std::vector<VersionedWrite> writes, EpochMillis now);

// Appends a record to a stream inside the caller's transaction; returns its sequence number.
std::int64_t insert_stream_record(core::sqlite::Database& db, std::string_view stream,
                                  std::string_view partition_key, std::string_view data, EpochMillis created);

// Sets a consumer group's position inside the caller's transaction.
void store_checkpoint(core::sqlite::Database& db, const Checkpoint& checkpoint, EpochMillis now);

inline constexpr std::string_view kDatasetChangesStream = "dataset-changes";

}  // namespace synclatch::server
