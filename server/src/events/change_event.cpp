// Building the Cognito Streams JSON of a dataset change. Written out by hand rather than through a
// nlohmann::json tree: it runs on the writer thread, inside the group commit, once per UpdateRecords.
#include "events/change_event.hpp"

#include "synclatch/sync/detail/json_text.hpp"

namespace synclatch::server {

using sync::detail::append_json_field;
using sync::detail::append_json_string;

namespace {

// "{" and the fields before the records.
void append_head(std::string& out, std::string_view pool_id, std::string_view identity_id,
                 std::string_view dataset, std::string_view operation) {
    out += '{';
    append_json_field(out, "identityPoolId", pool_id);
    out += ',';
    append_json_field(out, "identityId", identity_id);
    out += ',';
    append_json_field(out, "datasetName", dataset);
    out += ',';
    append_json_field(out, "operation", operation);
}

// The fields after the records.
void append_tail(std::string& out, sync::EpochMillis now, std::int64_t sync_count) {
    append_json_field(out, "lastModifiedDate", now);
    out += ',';
    append_json_field(out, "payloadType", "Inline");
    out += ',';
    append_json_field(out, "syncCount", sync_count);
}

}  // namespace

std::string dataset_change_event(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                 const std::vector<sync::WireRecord>& written,
                                 std::span<const RecordAuthorship> authorship) {
    std::string out;
    out.reserve(256 + written.size() * 160);
    append_head(out, pool_id, identity_id, dataset, "replace");
    out += ",\"kinesisSyncRecords\":[";
    for (std::size_t i = 0; i < written.size(); ++i) {
        const auto& r = written[i];
        if (i > 0) out += ',';
        out += '{';
        append_json_field(out, "key", r.key);
        if (r.value) {
            out += ',';
            append_json_field(out, "value", *r.value);
        }
        out += ',';
        append_json_field(out, "syncCount", r.sync_count);
        out += ',';
        append_json_field(out, "lastModifiedDate", r.last_modified_date);
        out += ',';
        append_json_field(out, "deviceLastModifiedDate", r.device_last_modified_date);
        out += ',';
        append_json_field(out, "op", r.value ? "replace" : "remove");
        if (i < authorship.size()) {
            const auto& a = authorship[i];
            out += ',';
            append_json_field(out, "origin", a.origin);
            out += ',';
            append_json_field(out, "version", a.version);
            out += ',';
            append_json_field(out, "originSeq", a.origin_seq);
            out += a.existed ? ",\"existed\":true" : ",\"existed\":false";
            out += ',';
            append_json_field(out, "latch", a.latch_open ? "open" : "closed");
        }
        out += '}';
    }
    out += "],";
    append_tail(out, now, sync_count);
    out += '}';
    return out;
}

std::string dataset_deleted_change(std::string_view pool_id, std::string_view identity_id,
                                   std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                   const RecordAuthorship& by) {
    std::string out;
    append_head(out, pool_id, identity_id, dataset, "delete");
    out += ",\"kinesisSyncRecords\":[],";
    append_tail(out, now, sync_count);
    out += ',';
    append_json_field(out, "origin", by.origin);
    out += ',';
    append_json_field(out, "version", by.version);
    out += ',';
    append_json_field(out, "originSeq", by.origin_seq);
    out += ',';
    append_json_field(out, "latch", by.latch_open ? "open" : "closed");
    out += '}';
    return out;
}

}  // namespace synclatch::server
