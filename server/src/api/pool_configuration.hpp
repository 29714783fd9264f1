// An identity pool's configuration (Get/SetIdentityPoolConfiguration, PROTOCOL.md §2): PushSync
// {ApplicationArns, RoleArn} and CognitoStreams {StreamName, RoleArn, StreamingStatus}. synclatch keeps
// and returns them for the SDKs' sake; its own push (WebSocket) and streams (dataset-changes) always run.
#pragma once

#include <nlohmann/json.hpp>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

// Validates a SetIdentityPoolConfiguration body and lays it over the stored configuration: each section
// given replaces the stored one, each section left out stays. Returns the configuration to store (only
// the two sections, each with only its known members), or InvalidParameter.
Result<nlohmann::json> merge_pool_configuration(const nlohmann::json& stored, const nlohmann::json& request);

}  // namespace synclatch::server
