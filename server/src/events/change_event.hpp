// The Cognito Streams record of one UpdateRecords (PROTOCOL.md §7), as JSON text for stream
// "dataset-changes". Its timestamps are epoch milliseconds, unlike the REST API's seconds. Readers that know
// only Cognito's fields ignore the additional ones.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

// synclatch's additions to a record of the event (DESIGN.md "The latch"): who authored the version, its
// version and origin sequence, whether the key had a value before, and whether the latch was open.
struct RecordAuthorship {
    std::string origin;
    std::int64_t version = 0;
    std::int64_t origin_seq = 0;
    bool existed = false;
    bool latch_open = false;
};

// authorship: one per written record, or empty (a bulk publish: no write, nothing to publish).
std::string dataset_change_event(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                 const std::vector<sync::WireRecord>& written,
                                 std::span<const RecordAuthorship> authorship = {});

// The record of a DeleteDataset (ours: Cognito Streams has none): operation "delete", no records, and the
// deletion's authorship at the top level (origin, version, originSeq, latch), so that the trigger publishes
// a dataset-deleted event for bridges when the latch is open.
std::string dataset_deleted_change(std::string_view pool_id, std::string_view identity_id,
                                   std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                   const RecordAuthorship& by);

}  // namespace synclatch::server
