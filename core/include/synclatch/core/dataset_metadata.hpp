// What the local store knows about one dataset of one identity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "synclatch/core/record.hpp"

namespace synclatch::core {

// Thread-safety: a plain value.
struct DatasetMetadata {
    std::string identity_id;
    std::string name;
    EpochMillis creation_time = 0;
    EpochMillis last_modified_time = 0;
    std::string last_modified_by;
    std::int64_t storage_bytes = 0;  // UTF-8 bytes of the keys and values of the live records
    std::int64_t record_count = 0;   // live records (tombstones not counted)
    // The server's dataset sync count at the last successful sync; 0 before the first one, and -1 after
    // Dataset::remove_dataset(): the dataset waits for its remote deletion.
    std::int64_t last_sync_count = 0;
    std::optional<EpochMillis> last_sync_time;  // none: never synchronized
    std::string last_sync_result;               // as reported by the sync engine ("ok", an error, ...)

    bool pending_remote_delete() const noexcept { return last_sync_count == -1; }
    friend bool operator==(const DatasetMetadata&, const DatasetMetadata&) = default;
};

}  // namespace synclatch::core
