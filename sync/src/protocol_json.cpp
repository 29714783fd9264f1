// Encoding and decoding of the Cognito Sync wire model with nlohmann_json. Decoding never throws: a
// MemberReader (member_reader.hpp) records the first problem (wrong type, missing member) and the caller
// returns it as a Status.
#include "synclatch/sync/protocol_json.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "member_reader.hpp"
#include "synclatch/sync/detail/json_text.hpp"

namespace synclatch::sync {

using json = nlohmann::json;

namespace {

// Beyond it a number from the wire cannot be a real time.
constexpr double kMaxEpochSeconds = 1e11;  // year ~5138

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

std::optional<double> seconds_from(const json& value) {
    double seconds = 0;
    if (value.is_number()) {
        seconds = value.get<double>();
    } else if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxEpochSeconds) return std::nullopt;
    return seconds;
}

}  // namespace

json epoch_seconds_json(EpochMillis millis) {
    if (millis % 1000 == 0) return json(millis / 1000);
    return json(static_cast<double>(millis) / 1000.0);  // shortest round-trip text, e.g. 1412974081.336
}

Result<EpochMillis> parse_epoch_seconds(const json& value, std::string_view member) {
    auto seconds = seconds_from(value);
    // Not "'" + std::string(member): GCC 12 warns of a memcpy overlap there (-Wrestrict, GCC bug 105329).
    if (!seconds) return invalid(std::string("'").append(member) + "' must be a time in epoch seconds");
    return static_cast<EpochMillis>(std::llround(*seconds * 1000.0));
}

json to_json(const WireRecord& r) {
    json j = {{"Key", r.key},
              {"SyncCount", r.sync_count},
              {"LastModifiedDate", epoch_seconds_json(r.last_modified_date)},
              {"DeviceLastModifiedDate", epoch_seconds_json(r.device_last_modified_date)}};
    if (r.value) j["Value"] = *r.value;
    if (!r.last_modified_by.empty()) j["LastModifiedBy"] = r.last_modified_by;
    return j;
}

json to_json(const RecordPatch& p) {
    json j = {
        {"Op", p.op == PatchOp::replace ? "replace" : "remove"}, {"Key", p.key}, {"SyncCount", p.sync_count}};
    if (p.value) j["Value"] = *p.value;
    if (p.device_last_modified_date)
        j["DeviceLastModifiedDate"] = epoch_seconds_json(*p.device_last_modified_date);
    return j;
}

json to_json(const DatasetDescription& d) {
    json j = {{"IdentityId", d.identity_id},
              {"DatasetName", d.dataset_name},
              {"CreationDate", epoch_seconds_json(d.creation_date)},
              {"LastModifiedDate", epoch_seconds_json(d.last_modified_date)},
              {"DataStorage", d.data_storage},
              {"NumRecords", d.num_records}};
    if (!d.last_modified_by.empty()) j["LastModifiedBy"] = d.last_modified_by;
    return j;
}

namespace {

// A WireRecord as to_json(WireRecord) writes it, straight to text.
void append_record(std::string& out, const WireRecord& r) {
    out += '{';
    detail::append_json_field(out, "Key", r.key);
    if (r.value) {
        out += ',';
        detail::append_json_field(out, "Value", *r.value);
    }
    out += ',';
    detail::append_json_field(out, "SyncCount", r.sync_count);
    out += ",\"LastModifiedDate\":";
    detail::append_epoch_seconds(out, r.last_modified_date);
    out += ",\"DeviceLastModifiedDate\":";
    detail::append_epoch_seconds(out, r.device_last_modified_date);
    if (!r.last_modified_by.empty()) {
        out += ',';
        detail::append_json_field(out, "LastModifiedBy", r.last_modified_by);
    }
    out += '}';
}

void append_records(std::string& out, const std::vector<WireRecord>& records) {
    out += "\"Records\":[";
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i > 0) out += ',';
        append_record(out, records[i]);
    }
    out += ']';
}

}  // namespace

std::string list_records_body(const ListRecordsResult& r) {
    std::string out;
    out.reserve(384 + r.records.size() * 192);
    out += '{';
    append_records(out, r.records);
    out += ',';
    detail::append_json_field(out, "Count", static_cast<std::int64_t>(r.records.size()));
    out += ',';
    detail::append_json_field(out, "DatasetSyncCount", r.dataset_sync_count);
    out += ",\"MergedDatasetNames\":[";
    for (std::size_t i = 0; i < r.merged_dataset_names.size(); ++i) {
        if (i > 0) out += ',';
        detail::append_json_string(out, r.merged_dataset_names[i]);
    }
    out += "],\"DatasetExists\":";
    out += r.dataset_exists ? "true" : "false";
    out += ",\"DatasetDeletedAfterRequestedSyncCount\":";
    out += r.dataset_deleted_after_requested_sync_count ? "true" : "false";
    out += ',';
    detail::append_json_field(out, "SyncSessionToken", r.sync_session_token);
    if (r.next_token) {
        out += ',';
        detail::append_json_field(out, "NextToken", *r.next_token);
    }
    if (r.last_modified_by) {
        out += ',';
        detail::append_json_field(out, "LastModifiedBy", *r.last_modified_by);
    }
    out += '}';
    return out;
}

std::string update_records_body(const std::vector<WireRecord>& written) {
    std::string out;
    out.reserve(16 + written.size() * 192);
    out += '{';
    append_records(out, written);
    out += '}';
    return out;
}

std::string update_records_request_body(std::string_view device_id, const std::vector<RecordPatch>& patches,
                                        std::string_view session_token) {
    std::string out;
    std::size_t values = 0;
    for (const auto& patch : patches)
        values += patch.key.size() + (patch.value ? patch.value->size() : 0);
    out.reserve(128 + device_id.size() + session_token.size() + values + patches.size() * 112);
    out += '{';
    detail::append_json_field(out, "DeviceId", device_id);
    out += ",\"RecordPatches\":[";
    for (std::size_t i = 0; i < patches.size(); ++i) {
        const RecordPatch& p = patches[i];
        if (i > 0) out += ',';
        out += '{';
        detail::append_json_field(out, "Op", p.op == PatchOp::replace ? "replace" : "remove");
        out += ',';
        detail::append_json_field(out, "Key", p.key);
        out += ',';
        detail::append_json_field(out, "SyncCount", p.sync_count);
        if (p.value) {
            out += ',';
            detail::append_json_field(out, "Value", *p.value);
        }
        if (p.device_last_modified_date) {
            out += ",\"DeviceLastModifiedDate\":";
            detail::append_epoch_seconds(out, *p.device_last_modified_date);
        }
        out += '}';
    }
    out += "],";
    detail::append_json_field(out, "SyncSessionToken", session_token);
    out += '}';
    return out;
}

json to_json(const IdentityUsage& u) {
    return {{"IdentityId", u.identity_id},
            {"IdentityPoolId", u.identity_pool_id},
            {"LastModifiedDate", epoch_seconds_json(u.last_modified_date)},
            {"DatasetCount", u.dataset_count},
            {"DataStorage", u.data_storage}};
}

json to_json(const IdentityPoolUsage& u) {
    return {{"IdentityPoolId", u.identity_pool_id},
            {"SyncSessionsCount", u.sync_sessions_count},
            {"DataStorage", u.data_storage},
            {"LastModifiedDate", epoch_seconds_json(u.last_modified_date)}};
}

Result<WireRecord> parse_wire_record(const json& j) {
    detail::MemberReader in(j, "a record");
    return detail::read_wire_record(in);
}

Result<RecordPatch> parse_record_patch(const json& j) {
    detail::MemberReader in(j, "a record patch");
    return detail::read_record_patch(in);
}

Result<DatasetDescription> parse_dataset_description(const json& j) {
    detail::MemberReader in(j, "a dataset");
    DatasetDescription d;
    d.identity_id = in.string("IdentityId", false);
    d.dataset_name = in.string("DatasetName");
    d.creation_date = in.time("CreationDate");
    d.last_modified_date = in.time("LastModifiedDate");
    d.last_modified_by = in.string("LastModifiedBy", false);
    d.data_storage = in.integer("DataStorage", false);
    d.num_records = in.integer("NumRecords", false);
    if (!in.ok()) return in.status();
    return d;
}

Result<ListRecordsResult> parse_list_records_result(const json& j) {
    detail::MemberReader in(j, "a ListRecords response");
    ListRecordsResult r;
    if (const json* records = in.array("Records", false)) {
        for (const auto& item : *records) {
            auto record = parse_wire_record(item);
            if (!record.ok()) return record.status();
            r.records.push_back(std::move(record).value());
        }
    }
    r.next_token = in.optional_string("NextToken");
    r.dataset_sync_count = in.integer("DatasetSyncCount", false);
    r.last_modified_by = in.optional_string("LastModifiedBy");
    if (const json* merged = in.array("MergedDatasetNames", false)) {
        for (const auto& name : *merged) {
            if (!name.is_string()) return invalid("'MergedDatasetNames' must be a list of strings");
            r.merged_dataset_names.push_back(name.get<std::string>());
        }
    }
    r.dataset_exists = in.boolean("DatasetExists", false);
    r.dataset_deleted_after_requested_sync_count = in.boolean("DatasetDeletedAfterRequestedSyncCount", false);
    r.sync_session_token = in.string("SyncSessionToken", false);
    if (!in.ok()) return in.status();
    return r;
}

Result<UpdateRecordsRequest> parse_update_records_request(const json& j) {
    detail::MemberReader in(j, "the UpdateRecords body");
    UpdateRecordsRequest r;
    r.device_id = in.string("DeviceId", false);
    r.sync_session_token = in.string("SyncSessionToken");
    if (const json* patches = in.array("RecordPatches", false)) {
        r.record_patches.reserve(patches->size());
        for (const auto& item : *patches) {
            auto patch = parse_record_patch(item);
            if (!patch.ok()) return patch.status();
            r.record_patches.push_back(std::move(patch).value());
        }
    }
    if (!in.ok()) return in.status();
    return r;
}

Result<IdentityUsage> parse_identity_usage(const json& j) {
    detail::MemberReader in(j, "an identity usage");
    IdentityUsage u;
    u.identity_id = in.string("IdentityId");
    u.identity_pool_id = in.string("IdentityPoolId", false);
    u.last_modified_date = in.time("LastModifiedDate");
    u.dataset_count = in.integer("DatasetCount", false);
    u.data_storage = in.integer("DataStorage", false);
    if (!in.ok()) return in.status();
    return u;
}

Status check_json_limits(std::string_view text, const JsonLimits& limits) {
    int depth = 0;
    std::size_t values = 0;  // each container, and each comma: within one of every value
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // the escaped character cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                if (++depth > limits.max_depth) {
                    return invalid("the JSON nests deeper than " + std::to_string(limits.max_depth) +
                                   " levels");
                }
                ++values;
                break;
            case ']':
            case '}':
                --depth;
                break;
            case ',':
                ++values;
                break;
            default:
                break;
        }
        if (values > limits.max_values) {
            return invalid("the JSON holds more than " + std::to_string(limits.max_values) + " values");
        }
    }
    return {};
}

namespace {

// nlohmann's lexer takes a NUL byte for the end of the input, whatever follows it ("{}\0junk" parses as
// {}). JSON text never holds one (a NUL in a string is written \u0000): a text with one is malformed.
bool has_nul(std::string_view text) {
    return text.find('\0') != std::string_view::npos;
}

}  // namespace

json parse_json_text(std::string_view text, const JsonLimits& limits) {
    if (has_nul(text) || !check_json_limits(text, limits).ok()) return json(json::value_t::discarded);
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Result<json> parse_json_body(std::string_view body, const JsonLimits& limits) {
    if (Status s = check_json_limits(body, limits); !s.ok()) return s;
    if (has_nul(body)) return invalid("the body is not valid JSON");
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return invalid("the body is not valid JSON");
    return parsed;
}

}  // namespace synclatch::sync
