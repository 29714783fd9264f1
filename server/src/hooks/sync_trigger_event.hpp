// The SyncTrigger event of Cognito Events (PROTOCOL.md §7): what a hook receives during UpdateRecords
// and how its answer rewrites the patch list.
//
//   {"version": 2, "eventType": "SyncTrigger", "region": ..., "identityPoolId": ..., "identityId": ...,
//    "datasetName": ..., "datasetRecords": {"K": {"oldValue": ..., "newValue": ..., "op": "replace"}}}
//
// The hook answers the same structure. Its datasetRecords may change a record's newValue and op, and may
// leave a record out (that patch is then not applied); it may not add keys. Anything else is invalid
// output (InvalidLambdaFunctionOutputException).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

// A hook's failure, with the Cognito error type it answers as (PROTOCOL.md §4).
struct TriggerError {
    std::string type;  // InvalidLambdaFunctionOutputException or LambdaThrottledException
    std::string message;
};

// The event for the patches; old_values: the stored values of their keys (absent: none or removed).
nlohmann::json make_sync_trigger_event(std::string_view pool_id, std::string_view identity_id,
                                       std::string_view dataset,
                                       const std::vector<sync::RecordPatch>& patches,
                                       const std::map<std::string, std::string>& old_values);

// The patches as the hook's answer rewrites them (each keeps its SyncCount and device date), or the
// reason the answer is invalid.
std::optional<std::vector<sync::RecordPatch>> apply_sync_trigger_answer(
    const std::vector<sync::RecordPatch>& patches, const nlohmann::json& answer, std::string& why_invalid);

}  // namespace synclatch::server
