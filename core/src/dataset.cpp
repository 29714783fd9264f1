// Dataset: validation, then one write transaction through RecordWriter, or one read on a pooled reader.
// The sync engine's writes are in sync_dataset.cpp.
#include "synclatch/core/dataset.hpp"

#include <string>
#include <utility>

#include "handle_write.hpp"
#include "record_writer.hpp"
#include "rows.hpp"
#include "store_state.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::core {

namespace {

using detail::identity_switched;
using detail::RecordWriter;
using detail::write_as;
using detail::WriteScope;

const std::string kSelectAll = std::string("SELECT ") + detail::kRecordColumns +
                               " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY key";
const std::string kSelectOne = std::string("SELECT ") + detail::kRecordColumns +
                               " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND key = ?3";
const std::string kSelectModified =
    std::string("SELECT ") + detail::kRecordColumns +
    " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND modified = 1 "
    "ORDER BY key";

const std::string kSelectMetadata =
    std::string("SELECT ") + detail::kDatasetColumns + " FROM datasets WHERE identity_id = ?1 AND name = ?2";

std::optional<Record> select_one(sqlite::Database& db, const std::string& identity,
                                 const std::string& dataset, std::string_view key) {
    sqlite::StatementScope select(db.cached(kSelectOne));
    select->bind(1, identity).bind(2, dataset).bind(3, key);
    if (!select->step()) return std::nullopt;
    return detail::read_record(*select);
}

// Runs a query of records of one dataset of one identity (?1 identity, ?2 dataset).
Result<std::vector<Record>> select_records(detail::StoreState& state, const Result<std::string>& identity,
                                           const std::string& sql, const std::string& dataset) {
    if (!identity.ok()) return identity.status();
    return detail::run_read(state, [&](sqlite::Database& db) {
        std::vector<Record> records;
        sqlite::StatementScope select(db.cached(sql));
        select->bind(1, *identity).bind(2, dataset);
        while (select->step())
            records.push_back(detail::read_record(*select));
        return records;
    });
}

}  // namespace

Dataset::Dataset(std::shared_ptr<detail::StoreState> state, std::string name)
    : state_(std::move(state)), name_(std::move(name)) {}

Result<std::string> Dataset::acting_identity() const {
    std::string current = state_->current_identity();
    if (!pinned_identity_.empty() && current != pinned_identity_) return identity_switched();
    return current;
}

Status Dataset::put(std::string_view key, std::string_view value) {
    if (Status s = validate_key(key); !s.ok()) return s;
    if (Status s = validate_value(value); !s.ok()) return s;
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        writer.write_local(key, value);
        writer.finish();
        return Status{};
    });
}

Status Dataset::put_all(const std::map<std::string, std::string>& values) {
    for (const auto& [key, value] : values) {
        if (Status s = validate_key(key); !s.ok()) return s;
        if (Status s = validate_value(value); !s.ok())
            return {s.code(), s.message() + " (key '" + key + "')"};
    }
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        for (const auto& [key, value] : values)
            writer.write_local(key, value);
        writer.finish();
        return Status{};
    });
}

Status Dataset::remove(std::string_view key) {
    if (Status s = validate_key(key); !s.ok()) return s;
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        writer.write_local(key, std::nullopt);
        writer.finish();
        return Status{};
    });
}

Result<std::optional<std::string>> Dataset::get(std::string_view key) const {
    auto record = get_record(key);
    if (!record.ok()) return record.status();
    return record->has_value() ? (*record)->value : std::nullopt;
}

Result<std::optional<Record>> Dataset::get_record(std::string_view key) const {
    if (Status s = validate_key(key); !s.ok()) return s;
    const auto acting = acting_identity();
    if (!acting.ok()) return acting.status();
    const std::string& identity = *acting;
    return detail::run_read(*state_,
                            [&](sqlite::Database& db) { return select_one(db, identity, name_, key); });
}

Result<std::vector<Record>> Dataset::get_all_records() const {
    return select_records(*state_, acting_identity(), kSelectAll, name_);
}

Result<std::map<std::string, std::string>> Dataset::get_all() const {
    const auto acting = acting_identity();
    if (!acting.ok()) return acting.status();
    const std::string& identity = *acting;
    return detail::run_read(*state_, [&](sqlite::Database& db) {
        std::map<std::string, std::string> values;
        sqlite::StatementScope select(
            db.cached("SELECT key, value FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND value "
                      "IS NOT NULL"));
        select->bind(1, identity).bind(2, name_);
        while (select->step())
            values.emplace(select->column_string(0), select->column_string(1));
        return values;
    });
}

Result<std::int64_t> Dataset::size_in_bytes() const {
    auto meta = metadata();
    if (!meta.ok()) return meta.status().code() == Errc::not_found ? Result<std::int64_t>(0) : meta.status();
    return meta->storage_bytes;
}

Result<std::int64_t> Dataset::size_in_bytes(std::string_view key) const {
    auto record = get_record(key);
    if (!record.ok()) return record.status();
    return record->has_value() ? detail::record_size(key, (*record)->value) : 0;
}

Result<bool> Dataset::is_changed(std::string_view key) const {
    auto record = get_record(key);
    if (!record.ok()) return record.status();
    return record->has_value() && (*record)->modified;
}

Result<DatasetMetadata> Dataset::metadata() const {
    const auto acting = acting_identity();
    if (!acting.ok()) return acting.status();
    const std::string& identity = *acting;
    auto found = detail::run_read(*state_, [&](sqlite::Database& db) -> std::optional<DatasetMetadata> {
        sqlite::StatementScope select(db.cached(kSelectMetadata));
        select->bind(1, identity).bind(2, name_);
        if (!select->step()) return std::nullopt;
        return detail::read_metadata(*select);
    });
    if (!found.ok()) return found.status();
    if (!found->has_value()) return Status{Errc::not_found, "dataset '" + name_ + "' does not exist"};
    return std::move(**found);
}

Result<std::int64_t> Dataset::last_sync_count() const {
    auto meta = metadata();
    if (!meta.ok()) return meta.status().code() == Errc::not_found ? Result<std::int64_t>(0) : meta.status();
    return meta->last_sync_count;
}

Status Dataset::remove_dataset() {
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        writer.remove_all_records();
        sqlite::StatementScope mark(
            scope.db.cached("UPDATE datasets SET last_sync_count = -1 WHERE identity_id = ?1 AND name = ?2"));
        mark->bind(1, scope.identity).bind(2, name_).run();
        return Status{};
    });
}

Subscription Dataset::on_change(std::function<void(const Change&)> callback) {
    auto subscriber = std::make_shared<detail::Subscriber>();
    subscriber->dataset = name_;
    subscriber->callback = std::move(callback);
    state_->dispatcher->add(subscriber);
    return Subscription(state_->dispatcher, std::move(subscriber));
}

Result<std::vector<Record>> Dataset::modified_records() const {
    return select_records(*state_, acting_identity(), kSelectModified, name_);
}

}  // namespace synclatch::core
