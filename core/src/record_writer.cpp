// Writing record versions with their bookkeeping.
#include "record_writer.hpp"

#include "rows.hpp"

namespace synclatch::core::detail {

namespace {

const std::string kSelectRecord = std::string("SELECT ") + kRecordColumns +
                                  " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND key = ?3";

constexpr const char* kUpsertRecord =
    "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified, "
    "last_modified_by, "
    "                     device_last_modified, modified, origin) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (identity_id, dataset_name, key) DO UPDATE SET value = excluded.value, "
    "sync_count = excluded.sync_count, last_modified = excluded.last_modified, "
    "last_modified_by = excluded.last_modified_by, device_last_modified = excluded.device_last_modified, "
    "modified = excluded.modified, origin = excluded.origin";

constexpr const char* kInsertChange =
    "INSERT INTO change_feed (identity_id, dataset_name, key, value, origin, changed_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr const char* kEnsureDataset =
    "INSERT INTO datasets (identity_id, name, creation_time, last_modified_time) VALUES (?1, ?2, ?3, ?3) "
    "ON CONFLICT (identity_id, name) DO NOTHING";

constexpr const char* kUpdateDatasetStats =
    "UPDATE datasets SET storage_bytes = storage_bytes + ?3, record_count = record_count + ?4, "
    "last_modified_time = ?5 WHERE identity_id = ?1 AND name = ?2";

}  // namespace

std::int64_t record_size(std::string_view key, const std::optional<std::string>& value) {
    return value ? static_cast<std::int64_t>(key.size() + value->size()) : 0;
}

RecordWriter::RecordWriter(const WriteScope& scope, std::string_view dataset)
    : scope_(scope), dataset_(dataset) {
    sqlite::StatementScope ensure(scope_.db.cached(kEnsureDataset));
    ensure->bind(1, scope_.identity).bind(2, dataset_).bind(3, scope_.now).run();
}

std::optional<Record> RecordWriter::load(std::string_view key) {
    sqlite::StatementScope select(scope_.db.cached(kSelectRecord));
    select->bind(1, scope_.identity).bind(2, dataset_).bind(3, key);
    if (!select->step()) return std::nullopt;
    return read_record(*select);
}

bool RecordWriter::write_local(std::string_view key, std::optional<std::string_view> value) {
    auto previous = load(key);
    const bool was_live = previous && previous->value.has_value();
    if (!value && !was_live) return false;                              // removing what is not there
    if (value && was_live && *previous->value == *value) return false;  // unchanged value
    Record next = previous.value_or(Record{});
    next.key = std::string(key);
    next.value = value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
    next.device_last_modified = scope_.now;
    next.modified = true;
    next.origin = Origin::local;
    return store(next, previous);
}

bool RecordWriter::write_record(const Record& record, WriteSource source) {
    return write_record(record, source, load(record.key));
}

bool RecordWriter::write_record(const Record& record, WriteSource source,
                                const std::optional<Record>& previous) {
    Record next = record;
    if (source == WriteSource::remote) next.modified = false;
    next.origin = next.modified ? Origin::local : Origin::remote;
    if (previous && *previous == next) return false;
    return store(next, previous);
}

bool RecordWriter::store(const Record& next, const std::optional<Record>& previous) {
    {
        sqlite::StatementScope upsert(scope_.db.cached(kUpsertRecord));
        upsert->bind(1, scope_.identity).bind(2, dataset_).bind(3, next.key).bind_optional(4, next.value);
        upsert->bind(5, next.sync_count).bind(6, next.last_modified).bind(7, next.last_modified_by);
        upsert->bind(8, next.device_last_modified).bind(9, std::int64_t{next.modified ? 1 : 0});
        upsert->bind(10, to_string(next.origin)).run();
    }
    const std::optional<std::string> no_value;
    const auto& old_value = previous ? previous->value : no_value;
    bytes_delta_ += record_size(next.key, next.value) - record_size(next.key, old_value);
    count_delta_ += (next.value ? 1 : 0) - (old_value ? 1 : 0);
    touched_ = true;
    if (old_value == next.value) return false;
    record_change(next);
    return true;
}

void RecordWriter::record_change(const Record& next) {
    sqlite::StatementScope insert(scope_.db.cached(kInsertChange));
    insert->bind(1, scope_.identity).bind(2, dataset_).bind(3, next.key).bind_optional(4, next.value);
    insert->bind(5, to_string(next.origin)).bind(6, scope_.now).run();
    if (scope_.changes != nullptr) {
        scope_.changes->push_back(Change{scope_.db.last_insert_rowid(), scope_.identity, dataset_, next.key,
                                         next.value, next.origin, scope_.now});
    }
}

void RecordWriter::remove_all_records() {
    std::vector<std::string> live_keys;
    {
        sqlite::StatementScope select(scope_.db.cached(
            "SELECT key FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND value IS NOT NULL "
            "ORDER BY key"));
        select->bind(1, scope_.identity).bind(2, dataset_);
        while (select->step())
            live_keys.push_back(select->column_string(0));
    }
    {
        sqlite::StatementScope erase(
            scope_.db.cached("DELETE FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
        erase->bind(1, scope_.identity).bind(2, dataset_).run();
    }
    for (const auto& key : live_keys) {
        Record removed;
        removed.key = key;
        removed.origin = Origin::local;
        record_change(removed);
    }
    sqlite::StatementScope reset(
        scope_.db.cached("UPDATE datasets SET storage_bytes = 0, record_count = 0, last_modified_time = ?3 "
                         "WHERE identity_id = ?1 AND name = ?2"));
    reset->bind(1, scope_.identity).bind(2, dataset_).bind(3, scope_.now).run();
    bytes_delta_ = 0;
    count_delta_ = 0;
    touched_ = false;
}

void RecordWriter::erase(const Record& stored) {
    {
        sqlite::StatementScope erase(scope_.db.cached(
            "DELETE FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND key = ?3"));
        erase->bind(1, scope_.identity).bind(2, dataset_).bind(3, stored.key).run();
    }
    touched_ = true;
    if (!stored.value) return;
    bytes_delta_ -= record_size(stored.key, stored.value);
    count_delta_ -= 1;
    Record removed;
    removed.key = stored.key;
    removed.origin = Origin::remote;  // the server's deletion, not a local edit
    record_change(removed);
}

void RecordWriter::finish() {
    if (!touched_) return;
    sqlite::StatementScope update(scope_.db.cached(kUpdateDatasetStats));
    update->bind(1, scope_.identity).bind(2, dataset_).bind(3, bytes_delta_).bind(4, count_delta_);
    update->bind(5, scope_.now).run();
    touched_ = false;
}

}  // namespace synclatch::core::detail
