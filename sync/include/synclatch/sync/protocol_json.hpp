// JSON codec of the Cognito Sync wire model (PROTOCOL.md §1-§2). Encoders emit exactly the PascalCase
// members the SDKs expect (absent fields omitted, mandatory ones always present, timestamps as epoch
// seconds with millisecond precision); decoders accept what any SDK sends (numbers or numeric strings for
// timestamps and counts) and refuse wrong types with invalid_argument, naming the member.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::sync {

// Epoch milliseconds <-> the wire's epoch seconds (a JSON number, fractional allowed).
nlohmann::json epoch_seconds_json(EpochMillis millis);
Result<EpochMillis> parse_epoch_seconds(const nlohmann::json& value, std::string_view member);

nlohmann::json to_json(const WireRecord& record);
nlohmann::json to_json(const RecordPatch& patch);
nlohmann::json to_json(const DatasetDescription& dataset);
nlohmann::json to_json(const UpdateRecordsRequest& request);
nlohmann::json to_json(const IdentityUsage& usage);
nlohmann::json to_json(const IdentityPoolUsage& usage);

// The bodies a server sends most, written straight to text (no JSON tree), with the members to_json
// would give: ListRecords' answer, and UpdateRecords' answer {"Records": [...]}.
std::string list_records_body(const ListRecordsResult& result);
std::string update_records_body(const std::vector<WireRecord>& written);

Result<WireRecord> parse_wire_record(const nlohmann::json& json);
Result<RecordPatch> parse_record_patch(const nlohmann::json& json);
Result<DatasetDescription> parse_dataset_description(const nlohmann::json& json);
Result<ListRecordsResult> parse_list_records_result(const nlohmann::json& json);
Result<UpdateRecordsRequest> parse_update_records_request(const nlohmann::json& json);
Result<IdentityUsage> parse_identity_usage(const nlohmann::json& json);

// Parses a whole body; malformed JSON is invalid_argument (never an exception).
Result<nlohmann::json> parse_json_body(std::string_view body);

}  // namespace synclatch::sync
