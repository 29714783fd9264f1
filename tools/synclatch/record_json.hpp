// A record as the --json output of get, ls and conflicts shows it (a removed record's value is null).
#pragma once

#include <nlohmann/json.hpp>

#include "synclatch/core/record.hpp"

namespace synclatch::cli {

inline nlohmann::json to_json(const core::Record& record) {
    nlohmann::json out{{"key", record.key},
                       {"syncCount", record.sync_count},
                       {"modified", record.modified},
                       {"deviceLastModified", record.device_last_modified}};
    out["value"] = record.value ? nlohmann::json(*record.value) : nlohmann::json(nullptr);
    return out;
}

}  // namespace synclatch::cli
