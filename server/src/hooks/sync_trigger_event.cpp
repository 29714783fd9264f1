// Building the SyncTrigger event and reading a hook's answer back into patches.
#include "hooks/sync_trigger_event.hpp"

#include "synclatch/core/validation.hpp"

namespace synclatch::server {

using json = nlohmann::json;

json make_sync_trigger_event(std::string_view pool_id, std::string_view identity_id, std::string_view dataset,
                             const std::vector<sync::RecordPatch>& patches,
                             const std::map<std::string, std::string>& old_values) {
    json records = json::object();
    for (const auto& patch : patches) {
        json record = {{"op", patch.op == sync::PatchOp::replace ? "replace" : "remove"}};
        const auto old = old_values.find(patch.key);
        record["oldValue"] = old == old_values.end() ? json(nullptr) : json(old->second);
        record["newValue"] =
            patch.op == sync::PatchOp::replace ? json(patch.value.value_or("")) : json(nullptr);
        records[patch.key] = std::move(record);
    }
    return {{"version", 2},
            {"eventType", "SyncTrigger"},
            {"region", std::string(pool_id.substr(0, pool_id.find(':')))},
            {"identityPoolId", pool_id},
            {"identityId", identity_id},
            {"datasetName", dataset},
            {"datasetRecords", std::move(records)}};
}

std::optional<std::vector<sync::RecordPatch>> apply_sync_trigger_answer(
    const std::vector<sync::RecordPatch>& patches, const json& answer, std::string& why_invalid) {
    if (!answer.is_object() || !answer.contains("datasetRecords") ||
        !answer.at("datasetRecords").is_object()) {
        why_invalid = "the answer has no datasetRecords object";
        return std::nullopt;
    }
    const json& records = answer.at("datasetRecords");
    for (const auto& item : records.items()) {
        // Not a structured binding: clang before 16 cannot capture one in the lambda below.
        const std::string& key = item.key();
        const bool known =
            std::any_of(patches.begin(), patches.end(), [&](const auto& p) { return p.key == key; });
        if (!known) {
            why_invalid = "the answer adds key '" + key + "', which the update did not name";
            return std::nullopt;
        }
    }
    std::vector<sync::RecordPatch> rewritten;
    for (const auto& patch : patches) {
        if (!records.contains(patch.key)) continue;  // left out: not applied
        const json& record = records.at(patch.key);
        if (!record.is_object() || !record.contains("op") ||
            (record.at("op") != "replace" && record.at("op") != "remove")) {
            why_invalid = "record '" + patch.key + "' needs op replace or remove";
            return std::nullopt;
        }
        sync::RecordPatch out = patch;
        if (record.at("op") == "remove") {
            out.op = sync::PatchOp::remove;
            out.value.reset();
        } else {
            if (!record.contains("newValue") || !record.at("newValue").is_string()) {
                why_invalid = "record '" + patch.key + "' is a replace without a string newValue";
                return std::nullopt;
            }
            out.op = sync::PatchOp::replace;
            out.value = record.at("newValue").get<std::string>();
            if (Status s = core::validate_value(*out.value); !s.ok()) {
                why_invalid = "record '" + patch.key + "': " + s.message();
                return std::nullopt;
            }
        }
        rewritten.push_back(std::move(out));
    }
    return rewritten;
}

}  // namespace synclatch::server
