// The Cognito Sync wire model (PROTOCOL.md §2): records, patches, datasets, usage, and the request and
// response bodies of the operations, as plain C++ values. The JSON codec is in protocol_json.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synclatch/core/record.hpp"

namespace synclatch::sync {

using core::EpochMillis;

// Thread-safety of every type here: plain values.

// A record as the server stores and returns it. No value: the record was removed (a tombstone).
struct WireRecord {
    std::string key;
    std::optional<std::string> value;
    std::int64_t sync_count = 0;
    EpochMillis last_modified_date = 0;
    std::string last_modified_by;
    EpochMillis device_last_modified_date = 0;
    friend bool operator==(const WireRecord&, const WireRecord&) = default;
};

enum class PatchOp { replace, remove };

struct RecordPatch {
    PatchOp op = PatchOp::replace;
    std::string key;
    std::optional<std::string> value;  // absent for remove (and allowed absent for replace: an empty write)
    std::int64_t sync_count = 0;
    std::optional<EpochMillis> device_last_modified_date;
    friend bool operator==(const RecordPatch&, const RecordPatch&) = default;
};

struct DatasetDescription {
    std::string identity_id;
    std::string dataset_name;
    EpochMillis creation_date = 0;
    EpochMillis last_modified_date = 0;
    std::string last_modified_by;
    std::int64_t data_storage = 0;
    std::int64_t num_records = 0;
    friend bool operator==(const DatasetDescription&, const DatasetDescription&) = default;
};

struct ListRecordsResult {
    std::vector<WireRecord> records;
    std::optional<std::string> next_token;
    std::int64_t dataset_sync_count = 0;
    std::optional<std::string> last_modified_by;
    std::vector<std::string> merged_dataset_names;
    bool dataset_exists = false;
    bool dataset_deleted_after_requested_sync_count = false;
    std::string sync_session_token;
    friend bool operator==(const ListRecordsResult&, const ListRecordsResult&) = default;
};

struct UpdateRecordsRequest {
    std::string device_id;
    std::vector<RecordPatch> record_patches;
    std::string sync_session_token;
    friend bool operator==(const UpdateRecordsRequest&, const UpdateRecordsRequest&) = default;
};

struct IdentityUsage {
    std::string identity_id;
    std::string identity_pool_id;
    EpochMillis last_modified_date = 0;
    std::int64_t dataset_count = 0;
    std::int64_t data_storage = 0;
    friend bool operator==(const IdentityUsage&, const IdentityUsage&) = default;
};

struct IdentityPoolUsage {
    std::string identity_pool_id;
    std::int64_t sync_sessions_count = 0;
    std::int64_t data_storage = 0;
    EpochMillis last_modified_date = 0;
    friend bool operator==(const IdentityPoolUsage&, const IdentityPoolUsage&) = default;
};

}  // namespace synclatch::sync
