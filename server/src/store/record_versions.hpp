// What every storage engine's record write path shares (DESIGN.md "The latch"; PROTOCOL.md §3): the record
// version a write produces, who authors it, what it counts against quotas, the checks of an UpdateRecords
// request and of an import (import_storage.hpp), the ListRecords and ListDatasets page tokens, and the names
// of merged datasets. The engines store them (store/sqlite/record_writes.hpp,
// store/postgres/pg_record_writes.hpp); the rules are here once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/import_storage.hpp"
#include "store/record_storage.hpp"
#include "store/stream_storage.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

// The stream every record write appends its change event to, in the write's transaction (the outbox).
inline constexpr std::string_view kDatasetChangesStream = "dataset-changes";

// A dataset's row. It outlives DeleteDataset (exists false) so that its sync count stays monotonic.
struct DatasetRow {
    std::int64_t sync_count = 0;
    bool exists = false;
    std::optional<std::int64_t> deleted_at;
    sync::EpochMillis creation_date = 0;
    sync::EpochMillis last_modified_date = 0;
    std::string last_modified_by;
    std::int64_t data_storage = 0;
    std::int64_t num_records = 0;
};

// A key's stored version (a removed key keeps its row, value null).
struct StoredVersion {
    std::int64_t sync_count = 0;
    std::optional<std::string> value;
    std::string origin;
    std::int64_t version = 0;
};

// Bytes a record counts against the dataset's quota: key and value, nothing once removed.
std::int64_t live_size(std::string_view key, const std::optional<std::string>& value);

// What a dataset's records count against its quotas, as its row keeps them (data_storage, num_records).
struct DatasetUsage {
    std::int64_t data_storage = 0;
    std::int64_t num_records = 0;  // live records: a removed one keeps its row but counts for nothing
    // Counts one record in (its live_size, and 1 while it has a value).
    void add(std::string_view key, const std::optional<std::string>& value);
};
// limit_exceeded when the usage passes SyncLimits' records or bytes per dataset.
Status check_dataset_usage(const DatasetUsage& usage, const SyncLimits& limits);
// limit_exceeded when an identity that has `existing` datasets may not make one more.
Status check_new_dataset(std::int64_t existing, const SyncLimits& limits);

// Who authors a write. latch_open: this deployment's own (a client's) write, which the trigger publishes;
// closed: a write received from elsewhere, which is never published again.
struct Authorship {
    std::string_view origin;
    bool latch_open = true;
};

// One record version to write; the caller has made its checks (sync counts, or versions).
struct VersionedWrite {
    std::string key;
    std::optional<std::string> value;  // nullopt: a removal
    sync::EpochMillis device_last_modified_date = 0;
    std::int64_t version = 0;      // latch closed: the version at its origin; open: numbered by the engine
    std::int64_t origin_seq = 0;   // likewise
    bool existed = false;          // a value was stored before
    std::int64_t stored_size = 0;  // live_size of what was stored before
    // The stored version of the key (0: none). An engine whose clock is not one counter (PostgreSQL's)
    // numbers a latch-open write past it.
    std::int64_t stored_version = 0;
};

// The dataset's usage once the writes replace what they say they replace (existed, stored_size).
DatasetUsage usage_after(DatasetUsage usage, const std::vector<VersionedWrite>& writes);

// UpdateRecords' patches, before any transaction: the count per request, keys and values, no negative
// sync count, no key twice.
Status validate_patches(const std::vector<sync::RecordPatch>& patches, const SyncLimits& limits);
// The write rule of PROTOCOL.md §3.3: a patch whose SyncCount is below the stored record's was written
// without seeing it (conflict); a higher one is accepted (server-side writers may pass the dataset count).
Status check_patch_sync_count(const sync::RecordPatch& patch, std::int64_t stored_sync_count);

// An import's input, before any transaction: well-formed ids, the identity in its pool's region (the region
// is the part of an id before ':'), logins with a provider and a subject, each once, and providers named.
Status validate_imported_identity(const ImportedIdentity& identity);
// The same for a dataset: its name, keys and values; no key twice; no negative count or date; every
// record's sync count from 1 (ListRecords from 0 lists those only) to the dataset's.
Status validate_imported_dataset(const ImportedDataset& dataset);
// Whether an import may write over the target's dataset `row` (nullopt: none) given its import mark: when
// the target has no such dataset (no row, or PostgreSQL's placeholder of sync count 0 that no write
// completed), or the mark says the import left it as it is (sync count and existence). conflict otherwise.
Status check_import_target(std::string_view dataset, const std::optional<DatasetRow>& row,
                           const std::optional<ImportMark>& mark);
// Whether the target has the dataset in the sense above (existing, or deleted at a sync count).
bool has_dataset(const std::optional<DatasetRow>& row);

// ListRecords pages are ordered by (sync_count, key); a NextToken is the last pair returned.
struct RecordCursor {
    std::int64_t sync_count = -1;
    std::string key;
};
std::string encode_record_cursor(const RecordCursor& cursor);
// The cursor of a NextToken this server issued ("" is the start); invalid_argument for any other.
Result<RecordCursor> decode_record_cursor(std::string_view token);
// ListRecords' arguments checked, and the page's lower bound: records after (sync_count, key). It is one
// bound, not two conditions, so that an engine ranges its (sync_count, key) index on both: (last_sync_count
// + 1, "") means sync_count > last_sync_count (keys are never empty); a NextToken further on replaces it.
Result<RecordCursor> list_records_start(std::string_view dataset, std::int64_t last_sync_count,
                                        std::string_view next_token);

// A write received in an event, checked before it is applied: event id, origin, version, names, value.
Status validate_received(const ReceivedWrite& w);

// ListDatasets pages are ordered by name; a NextToken is the last name returned.
std::string encode_dataset_cursor(std::string_view last_name);
// The name after which the page starts ("" for the first page); invalid_argument for a foreign token.
Result<std::string> decode_dataset_cursor(std::string_view token);

// "<dataset>.<merged identity id>", the dataset part cut short when the whole would pass the 128
// characters a dataset name may have (identity ids have at most 55).
std::string merged_dataset_name(std::string_view dataset, std::string_view merged_identity);

}  // namespace synclatch::server
