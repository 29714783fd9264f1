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

}  // namespace synclatch::server
