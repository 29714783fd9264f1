// The sync algorithm: pull (paged, applied page by page), resolve conflicts, push (paged, read from the store
// as it goes), record.
#include "synclatch/sync/synchronizer.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <map>

#include "synclatch/core/engine/sync_dataset.hpp"
#include "synclatch/sync/detail/task_threads.hpp"

namespace synclatch::sync {

namespace {

using core::engine::SyncDataset;

core::EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

core::Record from_wire(const WireRecord& wire) {
    core::Record record;
    record.key = wire.key;
    record.value = wire.value;
    record.sync_count = wire.sync_count;
    record.last_modified = wire.last_modified_date;
    record.last_modified_by = wire.last_modified_by;
    record.device_last_modified = wire.device_last_modified_date;
    record.modified = false;
    record.origin = core::Origin::remote;
    return record;
}

RecordPatch to_patch(const core::Record& record) {
    RecordPatch patch;
    patch.op = record.value ? PatchOp::replace : PatchOp::remove;
    patch.key = record.key;
    patch.value = record.value;
    patch.sync_count = record.sync_count;
    patch.device_last_modified_date = record.device_last_modified;
    return patch;
}

// SyncOptions::max_requests_in_flight, within 1..8: more would only hold more pages and threads.
std::size_t requests_in_flight(const SyncOptions& options) {
    return std::clamp<std::size_t>(options.max_requests_in_flight, 1, 8);
}

// One run of synchronize(): the state shared by its pull and push phases.
class SyncRun {
  public:
    SyncRun(const core::Dataset& dataset, RemoteStore& remote, const SyncOptions& options)
        : dataset_(SyncDataset(dataset).pinned()),
          remote_(remote),
          options_(options),
          threads_(requests_in_flight(options) + 1) {}

    Result<SyncResult> run();

  private:
    Status cancelled_or_ok() const;
    // Pulls what changed since `from` into the store and resolves conflicts; sets count_ and session_.
    Status pull(std::int64_t from);
    Status resolve(std::vector<SyncDataset::RemoteConflict> found);
    // Pushes every modified record; advances count_ while no other writer came in between.
    Status push();
    // One UpdateRecords of a push: the records read for it, and its answer to come.
    struct PushRequest {
        std::vector<core::Record> page;
        std::future<Result<std::vector<WireRecord>>> answer;
    };
    PushRequest send(std::vector<core::Record> page, bool on_another_thread);
    // Moves count_ over our commits that follow it with no other writer's in between.
    void advance_over(std::vector<std::int64_t> commits);
    void progress(SyncProgress::Phase phase, std::int64_t records, std::int64_t pages) const;

    SyncDataset dataset_;  // pinned: a switch of identity mid-sync cancels it
    RemoteStore& remote_;
    const SyncOptions& options_;
    SyncResult result_;
    std::int64_t count_ = 0;          // the server's dataset sync count that the local copy now reflects
    std::string session_;             // SyncSessionToken of the last ListRecords
    bool recorded_ = false;           // the last pull recorded count_ with its last page
    bool recorded_ok_ = false;        // ... as "ok": nothing was left to push
    std::int64_t push_requests_ = 0;  // UpdateRecords of the last push
    // For requests in flight and pages being merged or settled. Declared last: destroyed (joined) first,
    // while what its tasks use is still there.
    detail::TaskThreads threads_;
};

Status SyncRun::cancelled_or_ok() const {
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed))
        return {Errc::cancelled, "the sync of '" + dataset_.name() + "' was cancelled"};
    return {};
}

void SyncRun::progress(SyncProgress::Phase phase, std::int64_t records, std::int64_t pages) const {
    if (options_.on_progress) options_.on_progress(SyncProgress{phase, records, pages});
}

Result<SyncResult> SyncRun::run() {
    auto identity = remote_.identity_id();
    if (!identity.ok()) return identity.status();
    auto meta = dataset_.metadata();
    if (!meta.ok()) return meta.status();
    if (meta->identity_id != *identity) {
        return Status{Errc::invalid_argument, "the local store holds identity '" + meta->identity_id +
                                                  "' but the server credentials are for '" + *identity + "'"};
    }
    std::int64_t last = meta->last_sync_count;
    if (last == -1) {  // removed locally: delete it on the server first (PROTOCOL.md §8 step 1)
        if (Status s = cancelled_or_ok(); !s.ok()) return s;
        ++result_.requests;
        auto deleted = remote_.delete_dataset(dataset_.name());
        if (!deleted.ok() && deleted.status().code() != Errc::not_found) return deleted.status();
        if (Status s = dataset_.reset_after_remote_delete(SyncDataset::AfterRemoteDelete::keep_local_edits);
            !s.ok())
            return s;
        last = 0;
    }
    for (int attempt = 1; attempt <= std::max(1, options_.max_attempts); ++attempt) {
        result_.attempts = attempt;
        if (Status s = pull(attempt == 1 && options_.full_pull ? 0 : last); !s.ok()) return s;
        last = count_;
        Status pushed = push();
        if (pushed.ok()) {
            // Recorded already when the pull found nothing to push and the push did nothing.
            if (!(recorded_ok_ && push_requests_ == 0)) {
                if (Status s = dataset_.set_last_sync_count(count_, "ok"); !s.ok()) return s;
            }
            result_.sync_count = count_;
            return result_;
        }
        if (pushed.code() != Errc::conflict) return pushed;
        // Another writer got in first: pull again (its records are above `last`), then push again.
    }
    return Status{Errc::conflict, "'" + dataset_.name() +
                                      "': other writers kept changing it; gave up after " +
                                      std::to_string(result_.attempts) + " attempts"};
}

Status SyncRun::pull(std::int64_t from) {
    recorded_ = recorded_ok_ = false;
    std::vector<SyncDataset::RemoteConflict> conflicts;
    std::string token;
    bool first = true;
    bool restarted = false;
    std::int64_t pages = 0;
    std::int64_t pulled = 0;
    // A page is applied on another thread while the next one is fetched, so the store's work overlaps the
    // server's; one at a time, each waited for before the next starts (on a way out, by the run's end,
    // which joins its threads). The last page is applied here, after all of them, with the pull's
    // bookkeeping.
    std::future<Result<std::vector<SyncDataset::RemoteConflict>>> merging;
    auto merged_before = [&]() -> Status {
        if (!merging.valid()) return {};
        auto found = merging.get();
        if (!found.ok()) return found.status();
        for (auto& conflict : *found)
            conflicts.push_back(std::move(conflict));
        return {};
    };
    while (true) {
        if (Status s = cancelled_or_ok(); !s.ok()) return s;
        ++result_.requests;
        auto page = remote_.list_records(dataset_.name(), from, token, options_.page_size);
        if (Status s = merged_before(); !s.ok()) return s;
        if (!page.ok()) return page.status();
        if (first) {
            first = false;
            count_ = page->dataset_exists ? page->dataset_sync_count : 0;
            if (!page->merged_dataset_names.empty() && options_.on_datasets_merged)
                options_.on_datasets_merged(dataset_.name(), page->merged_dataset_names);
            const bool deleted =
                (from != 0 && !page->dataset_exists) || page->dataset_deleted_after_requested_sync_count;
            if (deleted && !restarted) {
                result_.deleted_remotely = true;
                const bool drop =
                    !options_.on_dataset_deleted || options_.on_dataset_deleted(dataset_.name());
                if (Status s = dataset_.reset_after_remote_delete(
                        drop ? SyncDataset::AfterRemoteDelete::keep_local_edits
                             : SyncDataset::AfterRemoteDelete::keep_everything);
                    !s.ok())
                    return s;
                if (page->dataset_exists) {  // re-created since: take all of the new one
                    from = 0;
                    token.clear();
                    first = true;
                    restarted = true;
                    continue;
                }
            }
        }
        session_ = page->sync_session_token;
        std::vector<core::Record> records;
        records.reserve(page->records.size());
        for (const auto& wire : page->records)
            records.push_back(from_wire(wire));
        const auto received = static_cast<std::int64_t>(records.size());
        const bool last_page = !page->next_token || page->next_token->empty();
        if (last_page && conflicts.empty()) {
            // The last page and the pull's bookkeeping in one commit, unless it finds conflicts: the count
            // must not be recorded before they are resolved, or their remote side would not come again.
            auto merged = dataset_.merge_remote_and_record(records, count_);
            if (!merged.ok()) return merged.status();
            recorded_ok_ = merged->conflicts.empty() && merged->nothing_to_push;
            recorded_ = merged->conflicts.empty();
            conflicts = std::move(merged->conflicts);
        } else if (last_page) {
            auto found = dataset_.merge_remote(records);
            if (!found.ok()) return found.status();
            for (auto& conflict : *found)
                conflicts.push_back(std::move(conflict));
        } else {
            merging = threads_.run([dataset = dataset_, records = std::move(records)]() mutable {
                return dataset.merge_remote(records);
            });
        }
        pulled += received;
        result_.pulled += received;
        progress(SyncProgress::Phase::pulling, pulled, ++pages);
        if (last_page) break;
        token = *page->next_token;
    }
    if (recorded_) return {};
    if (Status s = resolve(std::move(conflicts)); !s.ok()) return s;
    return dataset_.set_last_sync_count(count_, "pulled");
}

Status SyncRun::resolve(std::vector<SyncDataset::RemoteConflict> found) {
    if (found.empty()) return {};
    const core::EpochMillis now = options_.clock ? options_.clock() : system_now();
    std::vector<Conflict> conflicts;
    conflicts.reserve(found.size());
    for (auto& [local, remote] : found)
        conflicts.emplace_back(std::move(local), std::move(remote), now);
    if (options_.on_conflict && !options_.on_conflict(conflicts)) {
        return {Errc::cancelled, "the app stopped the sync of '" + dataset_.name() + "' at " +
                                     std::to_string(conflicts.size()) + " conflict(s)"};
    }
    std::vector<SyncDataset::Settlement> settlements;
    settlements.reserve(conflicts.size());
    for (auto& conflict : conflicts) {
        if (!conflict.resolved()) resolve_by_last_writer(conflict);
        settlements.push_back({conflict.local(), conflict.resolution()});
    }
    auto settled = dataset_.settle(settlements);
    if (!settled.ok()) return settled.status();
    result_.conflicts += static_cast<std::int64_t>(conflicts.size());
    return {};
}

Status SyncRun::push() {
    push_requests_ = 0;
    std::int64_t pushed = 0;
    // Up to `depth` requests in flight: the next page is read and sent while the server commits the one
    // before (the server's group commit and the device's work overlap). Each answer is taken in the order
    // sent and settled on another thread beside the next, one settle at a time. After a failure nothing
    // more is sent, but the answers in flight are still settled: what the server wrote must not stay
    // modified here, or it would come back as a conflict with itself.
    const std::size_t depth = remote_.concurrent_calls() ? requests_in_flight(options_) : 1;
    // Pages go on from the last key read, read from the store as they go, so memory does not grow with
    // the number of modified records. A record the app edits meanwhile behind the cursor stays modified
    // for the next sync; one ahead of it goes in this push with its newest value.
    std::string after;
    bool read_all = false;
    std::deque<PushRequest> in_flight;
    std::future<Result<std::size_t>> settling;
    std::vector<std::int64_t> commits;  // the sync count each of our requests that wrote committed at
    Status failed;                      // the first failure
    auto fail = [&](Status status) {
        if (failed.ok()) failed = std::move(status);
    };
    auto settled_before = [&] {
        if (!settling.valid()) return;
        auto settled = settling.get();
        if (!settled.ok()) fail(settled.status());
    };
    while (true) {
        if (failed.ok()) fail(cancelled_or_ok());
        while (failed.ok() && !read_all && in_flight.size() < depth) {
            auto page = dataset_.modified_records_after(after, options_.max_patches_per_request,
                                                        options_.max_bytes_per_request);
            if (!page.ok()) {
                fail(page.status());
            } else if (page->empty()) {
                read_all = true;
            } else {
                after = page->back().key;
                ++result_.requests;
                in_flight.push_back(send(std::move(page).value(), depth > 1));
            }
        }
        if (in_flight.empty()) break;
        PushRequest oldest = std::move(in_flight.front());
        in_flight.pop_front();
        auto written = oldest.answer.get();
        settled_before();
        if (!written.ok()) {
            fail(written.status());
            continue;
        }
        std::map<std::string_view, const WireRecord*> by_key;
        std::int64_t highest = 0;
        for (const auto& wire : *written) {
            by_key.emplace(wire.key, &wire);
            highest = std::max(highest, wire.sync_count);
        }
        std::vector<SyncDataset::Settlement> settlements;
        settlements.reserve(oldest.page.size());
        for (auto& sent : oldest.page) {
            if (auto it = by_key.find(sent.key); it != by_key.end())
                settlements.push_back({std::move(sent), from_wire(*it->second)});
        }
        settling = threads_.run([dataset = dataset_, settlements = std::move(settlements)]() mutable {
            return dataset.settle(settlements);
        });
        // An answer with nothing above count_ wrote nothing (a SyncTrigger dropped every patch and the
        // server answered with its records as they were).
        if (highest > count_) commits.push_back(highest);
        pushed += static_cast<std::int64_t>(written->size());
        result_.pushed += static_cast<std::int64_t>(written->size());
        progress(SyncProgress::Phase::pushing, pushed, ++push_requests_);
    }
    settled_before();
    advance_over(commits);
    return failed;
}

SyncRun::PushRequest SyncRun::send(std::vector<core::Record> page, bool on_another_thread) {
    std::vector<RecordPatch> patches;
    patches.reserve(page.size());
    for (const auto& record : page)
        patches.push_back(to_patch(record));
    auto call = [this, patches = std::move(patches)] {
        return remote_.update_records(dataset_.name(), patches, session_, options_.device_id);
    };
    // Deferred: sent by get(), on this thread, when requests go one at a time.
    if (!on_another_thread) return {std::move(page), std::async(std::launch::deferred, std::move(call))};
    return {std::move(page), threads_.run(std::move(call))};
}

void SyncRun::advance_over(std::vector<std::int64_t> commits) {
    // Our commits right after count_, one after another, mean nobody wrote in between: we have seen
    // everything up to the last of them. Requests in flight together may commit in either order.
    std::sort(commits.begin(), commits.end());
    for (const std::int64_t commit : commits) {
        if (commit != count_ + 1) break;
        count_ = commit;
    }
}

}  // namespace

Result<SyncResult> synchronize(const core::Dataset& dataset, RemoteStore& remote,
                               const SyncOptions& options) {
    SyncRun run(dataset, remote, options);
    return run.run();
}

}  // namespace synclatch::sync
