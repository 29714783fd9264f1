// Reading model objects out of query rows: one column list per table for every query that reads it.
#pragma once

#include "synclatch/core/dataset_metadata.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::core::detail {

// Select these columns, in this order, for read_record().
inline constexpr const char* kRecordColumns =
    "key, value, sync_count, last_modified, last_modified_by, device_last_modified, modified, origin";
Record read_record(const sqlite::Statement& row);

// Select these columns, in this order, for read_metadata().
inline constexpr const char* kDatasetColumns =
    "identity_id, name, creation_time, last_modified_time, last_modified_by, storage_bytes, record_count, "
    "last_sync_count, last_sync_time, last_sync_result";
DatasetMetadata read_metadata(const sqlite::Statement& row);

// Columns: seq, identity_id, dataset_name, key, value, origin, changed_at.
Change read_change(const sqlite::Statement& row);

Origin origin_from_text(std::string_view text);

}  // namespace synclatch::core::detail
