// JSON codec of the Cognito Sync wire model (PROTOCOL.md §1-§2). Encoders emit exactly the PascalCase
// members the SDKs expect (absent fields omitted, mandatory ones always present, timestamps as epoch
// seconds with millisecond precision); decoders accept what any SDK sends (numbers or numeric strings for
// timestamps and counts) and refuse wrong types with invalid_argument, naming the member.
#pragma once

#include <cstddef>
#include <limits>
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
nlohmann::json to_json(const IdentityUsage& usage);
nlohmann::json to_json(const IdentityPoolUsage& usage);

// The bodies sent most, written straight to text (no JSON tree), with the members to_json would give:
// ListRecords' answer, UpdateRecords' answer {"Records": [...]}, and the UpdateRecords request (the
// UpdateRecordsRequest's members, given apart so that a client need not copy its patches into one).
std::string list_records_body(const ListRecordsResult& result);
std::string update_records_body(const std::vector<WireRecord>& written);
std::string update_records_request_body(std::string_view device_id, const std::vector<RecordPatch>& patches,
                                        std::string_view session_token);

// The bodies received most, decoded straight from their text (no JSON tree) within kJsonRequestLimits,
// with the checks and messages of the decoders below: malformed text is invalid_argument "the body (the
// answer) is not valid JSON", never an exception. The UpdateRecords request (on the server), and on the
// device ListRecords' answer and UpdateRecords' answer {"Records": [...]} (the records written).
Result<UpdateRecordsRequest> decode_update_records_request(std::string_view text);
Result<ListRecordsResult> decode_list_records_result(std::string_view text);
Result<std::vector<WireRecord>> decode_update_records_answer(std::string_view text);

// Decoders of a JSON tree. The client decodes datasets and usage with them; the record, patch, ListRecords
// and UpdateRecords ones are the reference the text decoders above are held to (body_decoder_test,
// sync_request_fuzzer) and serve trees built elsewhere.
Result<WireRecord> parse_wire_record(const nlohmann::json& json);
Result<RecordPatch> parse_record_patch(const nlohmann::json& json);
Result<DatasetDescription> parse_dataset_description(const nlohmann::json& json);
Result<ListRecordsResult> parse_list_records_result(const nlohmann::json& json);
Result<UpdateRecordsRequest> parse_update_records_request(const nlohmann::json& json);
Result<IdentityUsage> parse_identity_usage(const nlohmann::json& json);

// Bounds on untrusted JSON, checked on the text before a parser builds a tree: the tree costs several
// times the text in memory, and printing or decoding it recurses once per level. Every Cognito shape and
// every stream event fits the defaults many times over.
struct JsonLimits {
    int max_depth = 32;                // nested arrays and objects
    std::size_t max_values = 100'000;  // values and members, counted on the text
};
inline constexpr JsonLimits kJsonRequestLimits{};
// A page of stream records wraps events that met kJsonRequestLimits; its size is bounded by the body limit.
inline constexpr JsonLimits kJsonPageLimits{kJsonRequestLimits.max_depth + 8,
                                            std::numeric_limits<std::size_t>::max()};

// One pass over the text, no recursion: invalid_argument when it nests deeper or holds more values than
// allowed. Says nothing else about validity.
Status check_json_limits(std::string_view text, const JsonLimits& limits = kJsonRequestLimits);

// Parses text within limits; anything else gives a discarded value (as json::parse(text, nullptr, false)).
nlohmann::json parse_json_text(std::string_view text, const JsonLimits& limits = kJsonRequestLimits);
// Parses a whole body within limits; malformed, too deep or too large is invalid_argument (never an
// exception).
Result<nlohmann::json> parse_json_body(std::string_view body, const JsonLimits& limits = kJsonRequestLimits);

}  // namespace synclatch::sync
