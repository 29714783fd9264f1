// synchronize(): reconciles one local dataset with the server (PROTOCOL.md §8, without the SDKs' defects):
// pull what changed since the last sync page by page, apply it, hand conflicts to the app (or the
// default policy), push local changes, and record the new sync count. Every step is a local transaction
// that leaves the store consistent, so a sync cut short anywhere (crash, cancel, network) loses nothing
// and the next one carries on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/dataset.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sync/conflict.hpp"
#include "synclatch/sync/remote_store.hpp"

namespace synclatch::sync {

struct SyncProgress {
    enum class Phase { pulling, pushing };
    Phase phase = Phase::pulling;
    std::int64_t records = 0;  // pulled (or pushed) so far in this sync
    std::int64_t pages = 0;    // requests of this phase so far
};

struct SyncOptions {
    std::string device_id;  // sent with UpdateRecords (DeviceId)
    // Conflicts found by a pull. Resolve each with its helpers and return true; a conflict left unresolved
    // gets the default policy. Returning false stops the sync with cancelled: nothing is lost, the
    // conflicts come back at the next sync. Empty: the default policy (resolve_by_last_writer) for all.
    std::function<bool(std::span<Conflict>)> on_conflict;
    // The server's copy of the dataset was deleted (by another device) since this device last synced.
    // true: delete the local copy too, except local edits not yet pushed, which re-create it;
    // false: keep everything and re-create the dataset with it. Empty: true.
    std::function<bool(std::string_view dataset)> on_dataset_deleted;
    // Other identities' datasets merged into this one ("<dataset>.<identity>", PROTOCOL.md §3.5), reported
    // on each sync while they exist. Empty: ignored.
    std::function<void(std::string_view dataset, const std::vector<std::string>& merged)> on_datasets_merged;
    // Called after each page pulled and each request pushed (its answer may still be settling in the
    // store: that runs beside the next request), on the syncing thread.
    std::function<void(const SyncProgress&)> on_progress;
    bool full_pull = false;  // pull everything again (from sync count 0), not only what changed
    int max_attempts = 3;    // pull-push rounds when a push meets a concurrent writer (409)
    std::int64_t page_size = 1024;
    std::size_t max_patches_per_request = 1024;
    std::size_t max_bytes_per_request = 1024 * 1024;  // patch values per UpdateRecords, about
    // UpdateRecords a push keeps in flight at once, when the RemoteStore allows concurrent calls: the next
    // page is read and sent while the server commits the one before. 1: one at a time; at most 8.
    std::size_t max_requests_in_flight = 3;
    const std::atomic<bool>* cancel = nullptr;  // set to stop between requests (Errc::cancelled)
    std::function<core::EpochMillis()> clock;   // for resolutions with new values; empty: system
};

struct SyncResult {
    std::int64_t pulled = 0;        // remote records received
    std::int64_t pushed = 0;        // local records the server accepted
    std::int64_t conflicts = 0;     // conflicts resolved
    std::int64_t requests = 0;      // HTTP requests made
    int attempts = 0;               // pull-push rounds
    std::int64_t sync_count = 0;    // the dataset's sync count now recorded locally
    bool deleted_remotely = false;  // the server's copy had been deleted by another device
};

// Synchronizes `dataset` (of the store's current identity, which must be the remote's identity) with
// `remote`, on the calling thread. Errors keep Status::retryable() of their cause; a conflict error
// means max_attempts rounds all met concurrent writers.
Result<SyncResult> synchronize(const core::Dataset& dataset, RemoteStore& remote, const SyncOptions& options);

}  // namespace synclatch::sync
