// RecordStorage: datasets and their records with Cognito Sync's semantics (PROTOCOL.md §3), and the
// transactional outbox: every successful UpdateRecords appends exactly one change event to stream
// "dataset-changes" in the same transaction. One of the interfaces a storage engine implements
// (storage.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

// Quotas, with Cognito's as defaults (PROTOCOL.md §2).
struct SyncLimits {
    std::int64_t max_datasets_per_identity = 20;
    std::int64_t max_records_per_dataset = 1024;
    std::int64_t max_bytes_per_dataset = 1024 * 1024;
    std::size_t max_patches_per_request = 1024;
    std::int64_t max_results_per_page = 1024;
};

struct DatasetPage {
    std::vector<sync::DatasetDescription> datasets;
    std::optional<std::string> next_token;
};

struct UpdateRecordsOutcome {
    std::vector<sync::WireRecord> records;  // as written
    std::vector<std::string> subscribers;   // devices subscribed to the dataset (push sync), at the commit
};

// Thread-safety: every method may be called from any thread concurrently. identity_id is assumed to exist
// (the caller authorizes first).
class RecordStorage {
  public:
    virtual ~RecordStorage() = default;

    // ListRecords; the caller fills in SyncSessionToken (it holds the signing secret).
    virtual Result<sync::ListRecordsResult> list_records(std::string_view identity_id,
                                                         std::string_view dataset,
                                                         std::int64_t last_sync_count,
                                                         std::string_view next_token,
                                                         std::int64_t max_results) const = 0;
    // UpdateRecords: applies the patches atomically, all of them or none and the error; author becomes
    // LastModifiedBy; a stale sync count is a conflict. done runs once the outcome is durable, on a thread of
    // the engine's, and must not block (concurrent calls may share a commit).
    using UpdateRecordsDone = std::function<void(Result<UpdateRecordsOutcome>)>;
    virtual void submit_update_records(std::string identity_id, std::string dataset, std::string author,
                                       std::vector<sync::RecordPatch> patches, EpochMillis now,
                                       UpdateRecordsDone done) = 0;
    // The same, waiting for the outcome. Never call it from an UpdateRecordsDone callback.
    Result<UpdateRecordsOutcome> update_records(std::string_view identity_id, std::string_view dataset,
                                                std::string_view author,
                                                const std::vector<sync::RecordPatch>& patches,
                                                EpochMillis now);
    virtual Result<sync::DatasetDescription> describe_dataset(std::string_view identity_id,
                                                              std::string_view dataset) const = 0;
    virtual Result<sync::DatasetDescription> delete_dataset(std::string_view identity_id,
                                                            std::string_view dataset, EpochMillis now) = 0;
    virtual Result<DatasetPage> list_datasets(std::string_view identity_id, std::string_view next_token,
                                              std::int64_t max_results) const = 0;
    virtual Result<sync::IdentityUsage> describe_identity_usage(std::string_view identity_id) const = 0;
    virtual Result<sync::IdentityPoolUsage> describe_pool_usage(std::string_view pool_id) const = 0;
    // Every pool's usage, by pool id, a page at a time.
    virtual Result<std::vector<sync::IdentityPoolUsage>> list_pool_usage(std::string_view after_pool_id,
                                                                         std::int64_t max_results) const = 0;
    // The stored records (tombstones included) of those keys that have one, for a SyncTrigger: the event's
    // oldValue, the sync count check before the trigger runs, the answer for the patches it drops.
    virtual Result<std::map<std::string, sync::WireRecord>> stored_records(
        std::string_view identity_id, std::string_view dataset,
        const std::vector<std::string>& keys) const = 0;
    // Live records in all existing datasets (for metrics).
    virtual Result<std::int64_t> count_records() const = 0;
};

}  // namespace synclatch::server
