// Identity merge on PostgreSQL, as identity_merge.hpp describes it for the embedded engine (PROTOCOL.md
// §3.5; docs/identity.md): the merged identity's datasets move under the survivor with their records and
// sync counts, as new versions of this deployment with one dataset-changes event per moved dataset, and the
// merged identity is disabled for good. Used by merge() and by sign-ins that merge a guest (authorize).
#pragma once

#include <string_view>
#include <vector>

#include "store/identity_storage.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/record_storage.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// Inside the caller's READ COMMITTED transaction; locks both identity rows (FOR UPDATE, in id order) before
// anything else. The dataset-changes events are added to `events`, for the caller to append last
// (pg_append_stream_records) just before it commits. not_found when either identity does not exist or was
// merged already; invalid_argument for one identity twice or two pools.
Result<std::vector<MovedDataset>> pg_merge_identity(PgConnection& tx, const SyncLimits& limits,
                                                    std::string_view deployment_id, std::string_view survivor,
                                                    std::string_view merged, EpochMillis now,
                                                    std::vector<NewStreamRecord>& events);

}  // namespace synclatch::server
