// Dataset: the key/value records of one named dataset of the store's current identity, shaped after the
// Cognito Sync Dataset API (PROTOCOL.md §8). Apps read and write here, online or offline.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/dataset_metadata.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/core/status.hpp"
#include "synclatch/core/subscription.hpp"

namespace synclatch::core {

namespace detail {
struct StoreState;
}
namespace engine {
class SyncDataset;
}

// A cheap, copyable handle to a dataset. It always acts on the store's *current* identity, so a handle
// stays valid across LocalStore::set_identity_id and keeps the store's internals alive while it exists.
//
// Thread-safety: every method may be called from any thread at the same time as any other. Writes are
// serialized (one writer at a time, each call one transaction); reads run concurrently with each other
// and with writes and see only committed data.
//
// Every failing call returns its error and changes nothing: each write is one transaction.
//
// These are the app's calls. The sync engine's writes (storing the server's versions clean, settling what
// it pushed, recording sync counts) are not here: they live in engine::SyncDataset, an in-tree header
// apps cannot include, because a record an app stored clean would never be pushed.
class Dataset {
  public:
    const std::string& name() const noexcept { return name_; }

    // Sets key to value (a local write: marked modified, pushed on the next sync). Writing the value the
    // key already has changes nothing and reports no change.
    Status put(std::string_view key, std::string_view value);
    // Writes all pairs in one transaction: all of them or, on any error, none.
    Status put_all(const std::map<std::string, std::string>& values);
    // Removes key, leaving a tombstone to be synchronized. Removing an absent or removed key is a no-op.
    Status remove(std::string_view key);

    // The value, or std::nullopt when the key is absent or removed.
    Result<std::optional<std::string>> get(std::string_view key) const;
    // The record with its bookkeeping (tombstones included), or std::nullopt when there is none.
    Result<std::optional<Record>> get_record(std::string_view key) const;
    // Every live key and value (tombstones skipped).
    Result<std::map<std::string, std::string>> get_all() const;
    // Every record, tombstones included, ordered by key.
    Result<std::vector<Record>> get_all_records() const;
    // UTF-8 bytes of all live keys and values, or of one key and its value (0 when absent or removed).
    Result<std::int64_t> size_in_bytes() const;
    Result<std::int64_t> size_in_bytes(std::string_view key) const;
    // True when the key has local changes that have not been pushed yet.
    Result<bool> is_changed(std::string_view key) const;
    // Records with local changes not yet pushed, tombstones included, ordered by key.
    Result<std::vector<Record>> modified_records() const;

    Result<DatasetMetadata> metadata() const;
    Result<std::int64_t> last_sync_count() const;

    // Removes every record locally and marks the dataset for deletion on the server at the next sync
    // (last_sync_count = -1). Records written afterwards are kept and pushed after that deletion.
    Status remove_dataset();

    // Calls callback after each committed change of a record's value in this dataset (local or remote).
    // Callbacks run on a thread that wrote to the store, after its commit, one at a time and in commit
    // (change feed) order; a callback may read and write the store.
    Subscription on_change(std::function<void(const Change&)> callback);

  private:
    friend class LocalStore;
    friend class engine::SyncDataset;  // the engine's writes and its pinned handles
    Dataset(std::shared_ptr<detail::StoreState> state, std::string name);
    // The identity to act for: the store's current one, or cancelled when this handle is pinned to
    // another.
    Result<std::string> acting_identity() const;

    std::shared_ptr<detail::StoreState> state_;
    std::string name_;
    std::string pinned_identity_;  // empty: follows the store's current identity
};

}  // namespace synclatch::core
