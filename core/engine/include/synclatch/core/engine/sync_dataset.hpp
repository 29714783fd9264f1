// SyncDataset: the sync engine's handle to a dataset, with the write paths that only the engine may take
// (storing the server's versions clean, settling pushed records, recording sync counts). In-tree only: this
// header lives outside core/include, so it is neither installed nor on an app's include path, and an app's
// core::Dataset has none of these methods. An app that could store a record clean would lose it: a clean
// record is never pushed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/dataset.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/core/status.hpp"

namespace synclatch::core::engine {

// A Dataset handle (every app method works on it too) plus the engine's writes. Built from an app's
// handle; like it, cheap to copy.
//
// Thread-safety: as Dataset: any method from any thread; each write is one transaction, serialized with
// every other write to the store.
class SyncDataset : public Dataset {
  public:
    // Acts for the store's current identity, whichever it is at each call (as `dataset` does).
    explicit SyncDataset(Dataset dataset) : Dataset(std::move(dataset)) {}

    // A handle to the same dataset pinned to the store's current identity: once the store switches to
    // another identity, its calls (the app's too) fail with cancelled and change nothing (a sync in flight
    // must not write one identity's server data into another's datasets).
    SyncDataset pinned() const;

    // A page of the records with local changes not yet pushed (tombstones included), in key order, with
    // keys after `after_key` ("" for the first page): at most max_records, and it stops before the record
    // that would take the page's key and value bytes over max_bytes (the first record is always taken).
    // The engine pushes page by page, so its memory does not grow with the number of modified records.
    Result<std::vector<Record>> modified_records_after(std::string_view after_key, std::size_t max_records,
                                                       std::size_t max_bytes) const;

    // Stores records exactly as given (as a conflict handler resolved them): a record with
    // modified = true is a local version (to be pushed), one with modified = false is a clean remote
    // version.
    Status resolve(std::span<const Record> records);
    // Stores records pulled from the server: clean (not modified), origin remote, so never pushed back.
    Status apply_remote(std::span<const Record> records);
    // Records the outcome of a sync: the server's dataset sync count and a short result text.
    Status set_last_sync_count(std::int64_t sync_count, std::string_view result);

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

    // merge_remote, and in the same transaction, when it found no conflict, records sync_count as the
    // dataset's last sync count, with result "ok" when no record is left to push, else "pulled": the last
    // page of a pull and its bookkeeping in one commit (one fsync less for every sync that pulls).
    struct MergedAndRecorded {
        std::vector<RemoteConflict> conflicts;  // when not empty, nothing was recorded
        bool nothing_to_push = false;           // recorded as "ok"
    };
    Result<MergedAndRecorded> merge_remote_and_record(std::span<const Record> remote,
                                                      std::int64_t sync_count);

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
};

}  // namespace synclatch::core::engine
