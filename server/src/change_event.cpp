// Building the Cognito Streams JSON of a dataset change. Written out by hand rather than through a
// nlohmann::json tree: it runs on the writer thread, inside the group commit, once per UpdateRecords.
#include "change_event.hpp"

#include <cstdio>

namespace synclatch::server {

namespace {

// Appends text as a JSON string (RFC 8259): quotes, backslashes and control characters escaped. The
// text is valid UTF-8 already (it arrived in a parsed JSON request), so other bytes pass unchanged.
void append_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append("\"").append(name).append("\":");
    append_string(out, value);
}

void append_field(std::string& out, std::string_view name, std::int64_t value) {
    out.append("\"").append(name).append("\":").append(std::to_string(value));
}

}  // namespace

std::string dataset_change_event(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::int64_t sync_count, sync::EpochMillis now,
                                 const std::vector<sync::WireRecord>& written) {
    std::string out;
    out.reserve(256 + written.size() * 160);
    out += '{';
    append_field(out, "identityPoolId", pool_id);
    out += ',';
    append_field(out, "identityId", identity_id);
    out += ',';
    append_field(out, "datasetName", dataset);
    out += ',';
    append_field(out, "operation", "replace");
    out += ",\"kinesisSyncRecords\":[";
    for (std::size_t i = 0; i < written.size(); ++i) {
        const auto& r = written[i];
        if (i > 0) out += ',';
        out += '{';
        append_field(out, "key", r.key);
        if (r.value) {
            out += ',';
            append_field(out, "value", *r.value);
        }
        out += ',';
        append_field(out, "syncCount", r.sync_count);
        out += ',';
        append_field(out, "lastModifiedDate", r.last_modified_date);
        out += ',';
        append_field(out, "deviceLastModifiedDate", r.device_last_modified_date);
        out += ',';
        append_field(out, "op", r.value ? "replace" : "remove");
        out += '}';
    }
    out += "],";
    append_field(out, "lastModifiedDate", now);
    out += ',';
    append_field(out, "payloadType", "Inline");
    out += ',';
    append_field(out, "syncCount", sync_count);
    out += '}';
    return out;
}

}  // namespace synclatch::server
