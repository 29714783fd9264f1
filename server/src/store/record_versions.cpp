// The engine-neutral rules of record writes: sizes, patch checks, page tokens, merged dataset names.
#include "store/record_versions.hpp"

#include <limits>
#include <set>
#include <tuple>

#include "encoding/hex.hpp"
#include "store/storage.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

namespace {

constexpr std::size_t kMaxDatasetName = 128;

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

}  // namespace

std::int64_t live_size(std::string_view key, const std::optional<std::string>& value) {
    return value ? static_cast<std::int64_t>(key.size() + value->size()) : 0;
}

void DatasetUsage::add(std::string_view key, const std::optional<std::string>& value) {
    data_storage += live_size(key, value);
    num_records += value ? 1 : 0;
}

DatasetUsage usage_after(DatasetUsage usage, const std::vector<VersionedWrite>& writes) {
    for (const auto& w : writes) {
        usage.add(w.key, w.value);
        usage.data_storage -= w.stored_size;
        usage.num_records -= w.existed ? 1 : 0;
    }
    return usage;
}

Status check_dataset_usage(const DatasetUsage& usage, const SyncLimits& limits) {
    if (usage.num_records > limits.max_records_per_dataset) {
        return {Errc::limit_exceeded,
                "at most " + std::to_string(limits.max_records_per_dataset) + " records per dataset"};
    }
    if (usage.data_storage > limits.max_bytes_per_dataset) {
        return {Errc::limit_exceeded,
                "at most " + std::to_string(limits.max_bytes_per_dataset) + " bytes per dataset"};
    }
    return {};
}

Status check_new_dataset(std::int64_t existing, const SyncLimits& limits) {
    if (existing < limits.max_datasets_per_identity) return {};
    return {Errc::limit_exceeded,
            "at most " + std::to_string(limits.max_datasets_per_identity) + " datasets per identity"};
}

Status validate_patches(const std::vector<sync::RecordPatch>& patches, const SyncLimits& limits) {
    if (patches.size() > limits.max_patches_per_request) {
        return {Errc::limit_exceeded,
                "at most " + std::to_string(limits.max_patches_per_request) + " record patches per request"};
    }
    std::set<std::string_view> keys;
    for (const auto& p : patches) {
        if (Status s = core::validate_key(p.key); !s.ok()) return s;
        if (p.value) {
            if (Status s = core::validate_value(*p.value); !s.ok()) return s;
        }
        if (p.sync_count < 0) return invalid("SyncCount of " + p.key + " is negative");
        if (!keys.insert(p.key).second) return invalid("key " + p.key + " appears twice in one request");
    }
    return {};
}

Status check_patch_sync_count(const sync::RecordPatch& patch, std::int64_t stored_sync_count) {
    if (patch.sync_count >= stored_sync_count) return {};
    return {Errc::conflict, "Current SyncCount for: " + patch.key +
                                " is: " + std::to_string(stored_sync_count) +
                                " not: " + std::to_string(patch.sync_count)};
}

std::string encode_record_cursor(const RecordCursor& cursor) {
    return "r1." + std::to_string(cursor.sync_count) + "." + sync::detail::hex(cursor.key);
}

Result<RecordCursor> decode_record_cursor(std::string_view token) {
    RecordCursor cursor;
    if (token.empty()) return cursor;
    const auto bad = invalid("NextToken is not one this server issued");
    if (token.size() > 10'000 || !token.starts_with("r1.")) return bad;
    token.remove_prefix(3);
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 18) return bad;
    std::int64_t count = 0;
    for (char c : token.substr(0, dot)) {
        if (c < '0' || c > '9') return bad;
        count = count * 10 + (c - '0');
    }
    auto key = hex_decode(token.substr(dot + 1));
    if (!key) return bad;
    cursor.sync_count = count;
    cursor.key = std::move(*key);
    return cursor;
}

std::string encode_dataset_cursor(std::string_view last_name) {
    std::string token = "d1.";
    token.append(sync::detail::hex(last_name));
    return token;
}

Result<std::string> decode_dataset_cursor(std::string_view token) {
    if (token.empty()) return std::string();
    auto decoded = token.starts_with("d1.") ? hex_decode(token.substr(3)) : std::nullopt;
    if (!decoded) return invalid("NextToken is not one this server issued");
    return std::move(*decoded);
}

std::string merged_dataset_name(std::string_view dataset, std::string_view merged_identity) {
    const std::size_t room = kMaxDatasetName - 1 - merged_identity.size();
    std::string name(dataset.substr(0, room));
    name.append(".").append(merged_identity);
    return name;
}

Result<RecordCursor> list_records_start(std::string_view dataset, std::int64_t last_sync_count,
                                        std::string_view next_token) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    if (last_sync_count < 0) return Status{Errc::invalid_argument, "lastSyncCount must not be negative"};
    if (last_sync_count == std::numeric_limits<std::int64_t>::max())
        return Status{Errc::invalid_argument, "lastSyncCount is too large"};
    auto cursor = decode_record_cursor(next_token);
    if (!cursor.ok()) return cursor.status();
    RecordCursor from{last_sync_count + 1, ""};
    if (std::tie(cursor->sync_count, cursor->key) > std::tie(from.sync_count, from.key)) from = *cursor;
    return from;
}

Status validate_received(const ReceivedWrite& w) {
    if (w.event_id.empty() || w.event_id.size() > 256)
        return {Errc::invalid_argument, "an event id is 1 to 256 characters"};
    if (Status s = validate_deployment_id(w.origin); !s.ok()) return s;
    if (w.version < 1) return {Errc::invalid_argument, "a version is a positive integer"};
    if (Status s = core::validate_identity_id(w.identity_id); !s.ok()) return s;
    if (Status s = core::validate_dataset_name(w.dataset); !s.ok()) return s;
    if (w.deletes_dataset) {
        if (!w.key.empty() || w.value)
            return {Errc::invalid_argument, "a dataset deletion names no key or value"};
        return {};
    }
    if (Status s = core::validate_key(w.key); !s.ok()) return s;
    if (w.value) {
        if (Status s = core::validate_value(*w.value); !s.ok()) return s;
    }
    return {};
}

namespace {

std::string_view region_of(std::string_view id) {
    return id.substr(0, id.find(':'));
}

}  // namespace

Status validate_imported_identity(const ImportedIdentity& identity) {
    if (Status s = core::validate_identity_id(identity.identity_id); !s.ok()) return s;
    if (Status s = core::validate_identity_pool_id(identity.pool_id); !s.ok()) return s;
    if (region_of(identity.identity_id) != region_of(identity.pool_id)) {
        return invalid("identity " + identity.identity_id + " is not of the region of identity pool " +
                       identity.pool_id);
    }
    if (identity.created < 0 || identity.last_modified < 0)
        return invalid("the dates of identity " + identity.identity_id + " are negative");
    if (identity.logins.size() + identity.unlinked_providers.size() > ImportedIdentity::kMaxLogins) {
        return invalid("identity " + identity.identity_id + " has more than " +
                       std::to_string(ImportedIdentity::kMaxLogins) + " logins");
    }
    constexpr auto kMaxName = ImportedIdentity::kMaxNameBytes;
    std::set<std::pair<std::string_view, std::string_view>> logins;
    for (const auto& login : identity.logins) {
        if (login.provider.empty() || login.subject.empty())
            return invalid("a login of identity " + identity.identity_id + " has no provider or no subject");
        if (login.provider.size() > kMaxName || login.subject.size() > kMaxName) {
            return invalid("a login of identity " + identity.identity_id +
                           " has a provider or subject over " + std::to_string(kMaxName) + " bytes");
        }
        if (!logins.emplace(login.provider, login.subject).second) {
            return invalid("identity " + identity.identity_id + " has the " + login.provider + " login " +
                           login.subject + " twice");
        }
    }
    for (const auto& provider : identity.unlinked_providers) {
        if (provider.empty() || provider.size() > kMaxName) {
            return invalid("an unlinked provider of identity " + identity.identity_id + " is empty or over " +
                           std::to_string(kMaxName) + " bytes");
        }
    }
    return {};
}

Status validate_imported_dataset(const ImportedDataset& dataset) {
    if (Status s = core::validate_identity_id(dataset.identity_id); !s.ok()) return s;
    if (Status s = core::validate_dataset_name(dataset.name); !s.ok()) return s;
    if (dataset.sync_count < 0) return invalid("the SyncCount of dataset " + dataset.name + " is negative");
    if (dataset.creation_date < 0 || dataset.last_modified_date < 0)
        return invalid("the dates of dataset " + dataset.name + " are negative");
    std::set<std::string_view> keys;
    for (const auto& record : dataset.records) {
        if (Status s = core::validate_key(record.key); !s.ok()) return s;
        if (record.value) {
            if (Status s = core::validate_value(*record.value); !s.ok()) return s;
        }
        if (record.sync_count < 1 || record.sync_count > dataset.sync_count) {
            return invalid("record " + record.key + " of dataset " + dataset.name + " has SyncCount " +
                           std::to_string(record.sync_count) + ", not 1 to the dataset's " +
                           std::to_string(dataset.sync_count));
        }
        if (record.last_modified_date < 0 || record.device_last_modified_date < 0)
            return invalid("the dates of record " + record.key + " of dataset " + dataset.name +
                           " are negative");
        if (!keys.insert(record.key).second)
            return invalid("key " + record.key + " appears twice in dataset " + dataset.name);
    }
    return {};
}

bool has_dataset(const std::optional<DatasetRow>& row) {
    return row && (row->exists || row->sync_count > 0);
}

Status check_import_target(std::string_view dataset, const std::optional<DatasetRow>& row,
                           const std::optional<ImportMark>& mark) {
    if (!has_dataset(row)) return {};
    const std::string state = std::string(row->exists ? "exists" : "was deleted") + " at sync count " +
                              std::to_string(row->sync_count);
    if (!mark) {
        return {Errc::conflict, "dataset " + std::string(dataset) +
                                    " was on the target before the import (it " + state +
                                    "): the import does not write over it"};
    }
    if (mark->sync_count == row->sync_count && mark->exists == row->exists) return {};
    return {Errc::conflict,
            "dataset " + std::string(dataset) + " changed on the target since it was imported (it " + state +
                "; the import left it " + (mark->exists ? "existing" : "deleted") + " at sync count " +
                std::to_string(mark->sync_count) + "): the import does not write over it"};
}

}  // namespace synclatch::server
