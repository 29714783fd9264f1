// Row -> Record, DatasetMetadata, Change.
#include "rows.hpp"

namespace synclatch::core {

std::string_view to_string(Origin origin) noexcept {
    return origin == Origin::remote ? "remote" : "local";
}

namespace detail {

Origin origin_from_text(std::string_view text) {
    return text == "remote" ? Origin::remote : Origin::local;
}

Record read_record(const sqlite::Statement& row) {
    Record r;
    r.key = row.column_string(0);
    r.value = row.column_optional_string(1);
    r.sync_count = row.column_int64(2);
    r.last_modified = row.column_int64(3);
    r.last_modified_by = row.column_string(4);
    r.device_last_modified = row.column_int64(5);
    r.modified = row.column_int64(6) != 0;
    r.origin = origin_from_text(row.column_text(7));
    return r;
}

DatasetMetadata read_metadata(const sqlite::Statement& row) {
    DatasetMetadata m;
    m.identity_id = row.column_string(0);
    m.name = row.column_string(1);
    m.creation_time = row.column_int64(2);
    m.last_modified_time = row.column_int64(3);
    m.last_modified_by = row.column_string(4);
    m.storage_bytes = row.column_int64(5);
    m.record_count = row.column_int64(6);
    m.last_sync_count = row.column_int64(7);
    if (!row.column_is_null(8)) m.last_sync_time = row.column_int64(8);
    m.last_sync_result = row.column_string(9);
    return m;
}

Change read_change(const sqlite::Statement& row) {
    Change c;
    c.seq = row.column_int64(0);
    c.identity_id = row.column_string(1);
    c.dataset = row.column_string(2);
    c.key = row.column_string(3);
    c.value = row.column_optional_string(4);
    c.origin = origin_from_text(row.column_text(5));
    c.time = row.column_int64(6);
    return c;
}

}  // namespace detail
}  // namespace synclatch::core
