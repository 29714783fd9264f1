// The fingerprint of a dataset's records that the import's verification compares between the source and
// the target: how many records (live and removed) and a SHA-256 of every record's members in key order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

struct DatasetDigest {
    std::int64_t records = 0;     // removed ones included
    std::int64_t sync_count = 0;  // the dataset's
    std::string sha256;           // hex
};

// Key, value (or its absence), sync count, LastModifiedDate, LastModifiedBy and DeviceLastModifiedDate of
// every record, length-prefixed (no separator can be forged by a value), in key order whatever the order
// given.
DatasetDigest digest_records(std::vector<sync::WireRecord> records, std::int64_t dataset_sync_count);

}  // namespace synclatch::server
