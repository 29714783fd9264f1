// Identity merge, as Cognito does it when a guest identity signs in with a login that another identity
// already has (PROTOCOL.md §3.5): the merged identity's datasets move under the survivor, named
// "<dataset>.<merged identity id>", with their records and sync counts, so that the merged identity's
// devices carry on syncing them from where they were; the merged identity is disabled for good.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/identity_storage.hpp"
#include "store/sqlite/record_writes.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

// Merges identity `merged` into `survivor` (both of pool_id, neither merged before) inside the caller's
// write transaction; the caller persists the clock and commits, or rolls back on an error:
// - each existing dataset moves: to a new name, keeping every record's sync count and the dataset's (a
//   name the survivor had deleted keeps counting from where it stopped); onto a name the survivor holds
//   already, as one write of the merged records at its next count. Each moved record is a new version of
//   this deployment (latch open) and each moved dataset one dataset-changes event, so processors and
//   bridges see the move like any write. The merge is not refused for the survivor's dataset quota: a
//   sign-in must not fail for it (new datasets are refused until it has room again).
// - the merged identity's logins are the survivor's; its credentials, devices and subscriptions go, and so
//   do its import marks and unlinked providers (import_storage.hpp); merged_into names the survivor.
// not_found when either identity does not exist or was merged already; invalid_argument for one identity
// twice or two pools.
Result<std::vector<MovedDataset>> merge_identity(core::sqlite::Database& db, DeploymentClock& clock,
                                                 const SyncLimits& limits, std::string_view deployment_id,
                                                 std::string_view survivor, std::string_view merged,
                                                 EpochMillis now);

}  // namespace synclatch::server
