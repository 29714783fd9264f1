// Building the Cognito Streams JSON of a dataset change.
#include "change_event.hpp"

#include <nlohmann/json.hpp>

namespace synclatch::server {

std::string dataset_change_event(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                 const std::vector<sync::WireRecord>& written) {
    nlohmann::json records = nlohmann::json::array();
    for (const auto& r : written) {
        nlohmann::json item = {{"key", r.key},
                               {"syncCount", r.sync_count},
                               {"lastModifiedDate", r.last_modified_date},
                               {"deviceLastModifiedDate", r.device_last_modified_date},
                               {"op", r.value ? "replace" : "remove"}};
        if (r.value) item["value"] = *r.value;
        records.push_back(std::move(item));
    }
    const nlohmann::json event = {{"identityPoolId", pool_id},
                                  {"identityId", identity_id},
                                  {"datasetName", dataset},
                                  {"operation", "replace"},
                                  {"kinesisSyncRecords", std::move(records)},
                                  {"lastModifiedDate", now},
                                  {"payloadType", "Inline"},
                                  {"syncCount", sync_count}};
    return event.dump();
}

}  // namespace synclatch::server
