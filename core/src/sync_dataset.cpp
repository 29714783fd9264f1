// SyncDataset: the sync engine's writes, each validated and then one write transaction through RecordWriter
// (as the app's writes in dataset.cpp), failing with cancelled once a pinned handle's identity is gone.
#include "synclatch/core/engine/sync_dataset.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "handle_write.hpp"
#include "record_writer.hpp"
#include "rows.hpp"
#include "store_state.hpp"

namespace synclatch::core::engine {

namespace {

using detail::RecordWriter;
using detail::validate_record;
using detail::validate_records;
using detail::write_as;
using detail::WriteScope;
using detail::WriteSource;

const std::string kSelectAll = std::string("SELECT ") + detail::kRecordColumns +
                               " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY key";

// Through the partial index records_modified (identity_id, dataset_name, key) WHERE modified = 1.
const std::string kSelectModifiedAfter =
    std::string("SELECT ") + detail::kRecordColumns +
    " FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND modified = 1 AND key > ?3 "
    "ORDER BY key LIMIT ?4";

// Validates, then writes whole records (from the sync engine or a resolver) in one transaction.
Status write_records(detail::StoreState& state, const std::string& pinned, const std::string& dataset,
                     std::span<const Record> records, WriteSource source) {
    if (Status s = validate_records(records); !s.ok()) return s;
    return write_as(state, pinned, [&](const WriteScope& scope) {
        RecordWriter writer(scope, dataset);
        for (const auto& record : records)
            writer.write_record(record, source);
        writer.finish();
        return Status{};
    });
}

}  // namespace

SyncDataset SyncDataset::pinned() const {
    SyncDataset copy = *this;
    copy.pinned_identity_ = state_->current_identity();
    return copy;
}

Result<std::vector<Record>> SyncDataset::modified_records_after(std::string_view after_key,
                                                                std::size_t max_records,
                                                                std::size_t max_bytes) const {
    auto identity = acting_identity();
    if (!identity.ok()) return identity.status();
    if (max_records == 0) return std::vector<Record>{};
    return detail::run_read(*state_, [&](sqlite::Database& db) {
        std::vector<Record> page;
        std::size_t bytes = 0;
        sqlite::StatementScope select(db.cached(kSelectModifiedAfter));
        select->bind(1, *identity).bind(2, name_).bind(3, after_key);
        select->bind(4, static_cast<std::int64_t>(std::min<std::size_t>(max_records, INT64_MAX)));
        while (select->step()) {
            Record record = detail::read_record(*select);
            const std::size_t size = record.key.size() + (record.value ? record.value->size() : 0);
            if (!page.empty() && bytes + size > max_bytes) break;
            bytes += size;
            page.push_back(std::move(record));
        }
        return page;
    });
}

Status SyncDataset::resolve(std::span<const Record> records) {
    return write_records(*state_, pinned_identity_, name_, records, WriteSource::resolved);
}

Status SyncDataset::apply_remote(std::span<const Record> records) {
    return write_records(*state_, pinned_identity_, name_, records, WriteSource::remote);
}

namespace {

// merge_remote's work inside its transaction: applies what it may, returns the conflicts.
std::vector<SyncDataset::RemoteConflict> merge_into(detail::RecordWriter& writer,
                                                    std::span<const Record> remote) {
    std::vector<SyncDataset::RemoteConflict> conflicts;
    for (const auto& incoming : remote) {
        auto local = writer.load(incoming.key);
        if (local && !local->modified && incoming.sync_count < local->sync_count) continue;  // older
        if (local && local->modified) {
            if (incoming.sync_count <= local->sync_count) continue;  // the local edit builds on it
            if (local->value != incoming.value) {
                conflicts.push_back({std::move(*local), incoming});
                continue;
            }
            if (local->device_last_modified > incoming.device_last_modified) {
                // The same value, written here later: it stays to be pushed, on top of the remote one, so
                // that the later time is what a third device's edit is weighed against.
                Record rebased = *local;
                rebased.sync_count = incoming.sync_count;
                writer.write_record(rebased, WriteSource::resolved, local);
                continue;
            }
        }
        writer.write_record(incoming, WriteSource::remote, local);
    }
    return conflicts;
}

void record_last_sync(const WriteScope& scope, const std::string& dataset, std::int64_t sync_count,
                      std::string_view result) {
    sqlite::StatementScope update(scope.db.cached(
        "UPDATE datasets SET last_sync_count = ?3, last_sync_time = ?4, last_sync_result = ?5 "
        "WHERE identity_id = ?1 AND name = ?2"));
    update->bind(1, scope.identity)
        .bind(2, dataset)
        .bind(3, sync_count)
        .bind(4, scope.now)
        .bind(5, result)
        .run();
}

}  // namespace

Status SyncDataset::set_last_sync_count(std::int64_t sync_count, std::string_view result) {
    if (sync_count < -1) return {Errc::invalid_argument, "sync count must be -1 or more"};
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);  // creates the dataset row when missing
        record_last_sync(scope, name_, sync_count, result);
        return Status{};
    });
}

Result<std::vector<SyncDataset::RemoteConflict>> SyncDataset::merge_remote(std::span<const Record> remote) {
    if (Status s = validate_records(remote); !s.ok()) return s;
    std::vector<RemoteConflict> conflicts;
    Status written = write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        conflicts = merge_into(writer, remote);
        writer.finish();
        return Status{};
    });
    if (!written.ok()) return written;
    return conflicts;
}

Result<SyncDataset::MergedAndRecorded> SyncDataset::merge_remote_and_record(std::span<const Record> remote,
                                                                            std::int64_t sync_count) {
    if (Status s = validate_records(remote); !s.ok()) return s;
    if (sync_count < 0) return Status{Errc::invalid_argument, "sync count must not be negative"};
    MergedAndRecorded merged;
    Status written = write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        merged.conflicts = merge_into(writer, remote);
        writer.finish();
        if (!merged.conflicts.empty()) return Status{};
        sqlite::StatementScope modified(scope.db.cached(
            "SELECT 1 FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND modified = 1 LIMIT 1"));
        modified->bind(1, scope.identity).bind(2, name_);
        merged.nothing_to_push = !modified->step();
        record_last_sync(scope, name_, sync_count, merged.nothing_to_push ? "ok" : "pulled");
        return Status{};
    });
    if (!written.ok()) return written;
    return merged;
}

Result<std::size_t> SyncDataset::settle(std::span<const Settlement> settlements) {
    for (const auto& settlement : settlements) {
        if (Status s = validate_record(settlement.settled); !s.ok()) return s;
    }
    std::size_t changed_meanwhile = 0;
    Status written = write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        changed_meanwhile = 0;
        RecordWriter writer(scope, name_);
        for (const auto& [seen, settled] : settlements) {
            auto current = writer.load(settled.key);
            if (!current) continue;  // removed with its dataset meanwhile: nothing to settle
            if (current->value == seen.value && current->modified == seen.modified &&
                current->device_last_modified == seen.device_last_modified) {
                writer.write_record(settled, WriteSource::resolved, current);
                continue;
            }
            ++changed_meanwhile;
            Record rebased = *current;
            rebased.sync_count = std::max(current->sync_count, settled.sync_count);
            writer.write_record(rebased, WriteSource::resolved, current);
        }
        writer.finish();
        return Status{};
    });
    if (!written.ok()) return written;
    return changed_meanwhile;
}

Status SyncDataset::reset_after_remote_delete(AfterRemoteDelete keep) {
    return write_as(*state_, pinned_identity_, [&](const WriteScope& scope) {
        RecordWriter writer(scope, name_);
        std::vector<Record> records;
        {
            sqlite::StatementScope select(scope.db.cached(kSelectAll));
            select->bind(1, scope.identity).bind(2, name_);
            while (select->step())
                records.push_back(detail::read_record(*select));
        }
        for (auto& record : records) {
            const bool kept = record.value && (record.modified || keep == AfterRemoteDelete::keep_everything);
            if (!kept) {
                writer.erase(record);
                continue;
            }
            record.sync_count = 0;
            record.last_modified = 0;
            record.last_modified_by.clear();
            record.modified = true;
            writer.write_record(record, WriteSource::resolved);
        }
        writer.finish();
        sqlite::StatementScope reset(
            scope.db.cached("UPDATE datasets SET last_sync_count = 0 WHERE identity_id = ?1 AND name = ?2"));
        reset->bind(1, scope.identity).bind(2, name_).run();
        return Status{};
    });
}

}  // namespace synclatch::core::engine
