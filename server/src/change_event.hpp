// The Cognito Streams record of one UpdateRecords (PROTOCOL.md §7), as JSON text for stream
// "dataset-changes". Its timestamps are epoch milliseconds, unlike the REST API's seconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

std::string dataset_change_event(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                 const std::vector<sync::WireRecord>& written);

}  // namespace synclatch::server
