// Dataset: the key/value records of one named dataset of the store's current identity, shaped after the
// Cognito Sync Dataset API (PROTOCOL.md §8). Apps read and write here, online or offline.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
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

// A cheap, copyable handle to a dataset. It always acts on the store's *current* identity, so a handle
// stays valid across LocalStore::set_identity_id and keeps the store's internals alive while it exists.
//
// Thread-safety: every method may be called from any thread at the same time as any other. Writes are
// serialized (one writer at a time, each call one transaction); reads run concurrently with each other
// and with writes and see only committed data.
//
// Every failing call returns its error and changes nothing: each write is one transaction.
class Dataset {
  public:
    const std::string& name() const noexcept { return name_; }

    // --- The app's API --------------------------------------------------------------------------

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

    Result<DatasetMetadata> metadata() const;
    Result<std::int64_t> last_sync_count() const;

    // Removes every record locally and marks the dataset for deletion on the server at the next sync
    // (last_sync_count = -1). Records written afterwards are kept and pushed after that deletion.
    Status remove_dataset();

    // Calls callback after each committed change of a record's value in this dataset (local or remote).
    // Callbacks run on a thread that wrote to the store, after its commit, one at a time and in commit
    // (change feed) order; a callback may read and write the store.
    Subscription on_change(std::function<void(const Change&)> callback);

    // --- For the sync engine and conflict resolution ---------------------------------------------

    // Stores records as resolved by a conflict handler, exactly as given: a record with modified = true
    // is a local version (to be pushed), one with modified = false is a clean remote version.
    Status resolve(std::span<const Record> records);
    // Stores records pulled from the server: clean (not modified), origin remote, so never pushed back.
    Status apply_remote(std::span<const Record> records);
    // Records with local changes, tombstones included, ordered by key.
    Result<std::vector<Record>> modified_records() const;
    // Records the outcome of a sync: the server's dataset sync count and a short result text.
    Status set_last_sync_count(std::int64_t sync_count, std::string_view result);

    // A handle to the same dataset pinned to the store's current identity: once the store switches to
    // another identity, its calls fail with cancelled and change nothing (a sync in flight must not
    // write one identity's server data into another's datasets).
    Dataset pinned() const;

    // A pulled record that was not applied because the local record has changes of its own.
    struct RemoteConflict {
        Record local;
        Record remote;
    };
    // Applies pulled records in one transaction, each as a clean remote version, except that a version
    // older than the local record's (a lower sync count) is skipped, and where the local record is
    // modified: if the remote version is one the local edit already builds on
    // (remote.sync_count <= local.sync_count), the local record stays as it is; if both hold the same
    // value, the remote version is stored clean; otherwise nothing is written for that key and the pair
    // is returned as a conflict. Deciding and writing in one transaction means an edit the app makes
    // meanwhile is never overwritten.
    Result<std::vector<RemoteConflict>> merge_remote(std::span<const Record> remote);

    // A version the sync engine settled on for a key (pushed and accepted, or a conflict's resolution),
    // to be stored only if the local record is still the one the engine saw.
    struct Settlement {
        Record seen;     // the local record as the engine read it
        Record settled;  // what to store: modified (to push) or clean (the server's version)
    };
    // In one transaction, for each settlement: if the local record still has seen's value, modified flag
    // and device time, stores `settled` as given; otherwise the app changed it meanwhile, and the change
    // is kept (value, modified) with its sync count raised to settled.sync_count, so that it is pushed
    // next on top of the server's version. A key that no longer exists is left alone. Returns how many
    // records had changed meanwhile.
    Result<std::size_t> settle(std::span<const Settlement> settlements);

    // After the server's copy of the dataset is gone (deleted there, or our own deletion went through):
    // keep_local_edits drops every record except live ones with local changes not yet pushed;
    // keep_everything keeps every live record and marks it modified (so the dataset is re-created on
    // the server). Either way the kept records restart from sync count 0, tombstones are dropped and
    // last_sync_count becomes 0.
    enum class AfterRemoteDelete { keep_local_edits, keep_everything };
    Status reset_after_remote_delete(AfterRemoteDelete keep);

  private:
    friend class LocalStore;
    Dataset(std::shared_ptr<detail::StoreState> state, std::string name);
    // The identity to act for: the store's current one, or cancelled when this handle is pinned to
    // another.
    Result<std::string> acting_identity() const;

    std::shared_ptr<detail::StoreState> state_;
    std::string name_;
    std::string pinned_identity_;  // empty: follows the store's current identity
};

}  // namespace synclatch::core
