// SyncStore: the server's storage of identity pools, identities, datasets and records with Cognito Sync's
// semantics (PROTOCOL.md §3), on the embedded SQLite database, plus the transactional outbox: every
// successful UpdateRecords appends exactly one change event to stream "dataset-changes" in the same
// transaction. HTTP, auth and JSON live elsewhere; this class only decides and stores.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

struct SyncStoreOptions {
    std::string path;  // the SQLite file (created when missing)
    SyncLimits limits;
    bool durable = true;  // synchronous=FULL; off only for tests that do not care about power loss
    // This deployment's id, the origin of its clients' writes (DESIGN.md "The latch"). Empty: the one the
    // database holds, or a new random one. A database keeps its first id; asking for another is an error.
    std::string deployment_id;
    // How long the start-up check of an existing file (database_file.hpp) may take; a larger file is
    // checked that long, and the log says the check was cut short.
    std::chrono::milliseconds integrity_check_budget{5000};
};

// 1 to 64 of [A-Za-z0-9_.-] (no ':': event ids are "<origin>:<origin seq>").
Status validate_deployment_id(std::string_view id);

// GetBulkPublishDetails. status: NOT_STARTED, IN_PROGRESS, FAILED or SUCCEEDED.
struct BulkPublishDetails {
    std::string status = "NOT_STARTED";
    std::optional<EpochMillis> started;
    std::optional<EpochMillis> completed;
    std::string failure;  // FAILED only
};

enum class BulkPublishStart { started, in_progress, already_streamed };

// A dataset, as the position of a bulk publish.
struct DatasetKey {
    std::string identity_id;
    std::string name;
};

struct DatasetPage {
    std::vector<sync::DatasetDescription> datasets;
    std::optional<std::string> next_token;
};

// One change event as stored in a stream.
struct StreamRecord {
    std::int64_t seq = 0;
    std::string stream;
    std::string partition_key;
    std::string data;  // JSON text
    EpochMillis created = 0;
};

// A consumer group's position in a stream: every record up to seq is done.
struct Checkpoint {
    std::string stream;
    std::string group;
    std::int64_t seq = 0;
};

// A record to append to a stream.
struct NewStreamRecord {
    std::string partition_key;
    std::string data;  // JSON text
};

// A record version received in an event from elsewhere, to be written with the latch closed.
struct ReceivedWrite {
    std::string event_id;  // applied at most once per processor
    std::string pool_id;   // the identity's pool: a new identity is created in it ("": it must exist)
    std::string identity_id;
    std::string dataset;
    std::string key;
    std::optional<std::string> value;  // nullopt: a removal
    std::string origin;                // who authored the version (becomes LastModifiedBy too)
    std::int64_t version = 0;
    std::int64_t origin_seq = 0;
    EpochMillis device_last_modified_date = 0;
    // Appended to stream "events" if and only if the write is applied (a bridge forwarding it).
    std::optional<NewStreamRecord> forward;
};

enum class ApplyOutcome { applied, duplicate, stale, rejected };
// "applied", "duplicate", "stale" or "rejected" (metrics labels).
const char* apply_outcome_name(ApplyOutcome outcome);
struct AppliedWrite {
    ApplyOutcome outcome = ApplyOutcome::applied;
    std::string reason;  // why it was rejected
};

// Temporary credentials of one identity (Cognito Identity's GetCredentialsForIdentity).
struct IdentityCredentials {
    std::string access_key_id;
    std::string secret_key;
    std::string session_token;
    std::string identity_id;
    EpochMillis expiration = 0;
};

// Thread-safety: every method may be called from any thread concurrently. Writes are serialized on one
// connection (UpdateRecords in group commits, other writes one transaction each); reads use pooled
// connections and see the last commit.
class SyncStore {
  public:
    static Result<std::unique_ptr<SyncStore>> open(const SyncStoreOptions& options);
    ~SyncStore();
    SyncStore(const SyncStore&) = delete;
    SyncStore& operator=(const SyncStore&) = delete;

    const SyncLimits& limits() const noexcept;
    const std::string& deployment_id() const noexcept;

    // Identity pools and identities.
    Status ensure_pool(std::string_view pool_id, EpochMillis now);
    bool pool_exists(std::string_view pool_id) const;
    // A new identity in the pool: "<region>:<uuid v4>", the region taken from the pool id. It is written
    // in a group commit, off the caller's thread: a flood of GetId costs the io threads no fsync.
    using CreateIdentityDone = std::function<void(Result<std::string>)>;
    // Asynchronous: done runs on the store's writer thread once the identity is durable (on the caller's
    // thread, before this returns, for an invalid pool id) and must not block.
    void submit_create_identity(std::string pool_id, EpochMillis now, CreateIdentityDone done);
    // Blocking: waits for the durable outcome. Never call it from a done callback of the store.
    Result<std::string> create_identity(std::string_view pool_id, EpochMillis now);
    // The pool an identity belongs to; not_found when the identity does not exist.
    Result<std::string> pool_of(std::string_view identity_id) const;

    // New temporary credentials for an existing identity, valid for lifetime_ms (expired ones of any
    // identity are dropped). Written in a group commit, off the caller's thread, like a new identity.
    using IssueCredentialsDone = std::function<void(Result<IdentityCredentials>)>;
    // Asynchronous: done runs on the store's writer thread once the credentials are durable and must not
    // block. not_found when the identity does not exist.
    void submit_issue_credentials(std::string identity_id, EpochMillis now, EpochMillis lifetime_ms,
                                  IssueCredentialsDone done);
    // Blocking: waits for the durable outcome. Never call it from a done callback of the store.
    Result<IdentityCredentials> issue_credentials(std::string_view identity_id, EpochMillis now,
                                                  EpochMillis lifetime_ms);
    // The identity's credentials that expire last (of those that expire at the same time, always the same
    // one), if they expire after expiring_after; nullopt when none does.
    Result<std::optional<IdentityCredentials>> newest_credentials(std::string_view identity_id,
                                                                  EpochMillis expiring_after) const;
    // The credentials with that access key id (expired ones too: the caller checks expiration).
    Result<IdentityCredentials> find_credentials(std::string_view access_key_id) const;

    // Cognito Sync operations. identity_id is assumed to exist (the caller authorizes first).
    // ListRecords; the caller fills in SyncSessionToken (it holds the signing secret).
    Result<sync::ListRecordsResult> list_records(std::string_view identity_id, std::string_view dataset,
                                                 std::int64_t last_sync_count, std::string_view next_token,
                                                 std::int64_t max_results) const;
    // Applies the patches atomically: all of them, or none and the error. author becomes LastModifiedBy.
    // Concurrent calls share commits (group commit): the outcome is reported once it is durable.
    struct UpdateRecordsOutcome {
        std::vector<sync::WireRecord> records;  // as written
        std::vector<std::string> subscribers;  // devices subscribed to the dataset (push sync), at the commit
    };
    using UpdateRecordsDone = std::function<void(Result<UpdateRecordsOutcome>)>;
    // Asynchronous: done runs on the store's writer thread and must not block.
    void submit_update_records(std::string identity_id, std::string dataset, std::string author,
                               std::vector<sync::RecordPatch> patches, EpochMillis now,
                               UpdateRecordsDone done);
    // Blocking: waits for the durable outcome. Never call it from an UpdateRecordsDone callback.
    Result<UpdateRecordsOutcome> update_records(std::string_view identity_id, std::string_view dataset,
                                                std::string_view author,
                                                const std::vector<sync::RecordPatch>& patches,
                                                EpochMillis now);
    Result<sync::DatasetDescription> describe_dataset(std::string_view identity_id,
                                                      std::string_view dataset) const;
    Result<sync::DatasetDescription> delete_dataset(std::string_view identity_id, std::string_view dataset,
                                                    EpochMillis now);
    Result<DatasetPage> list_datasets(std::string_view identity_id, std::string_view next_token,
                                      std::int64_t max_results) const;
    Result<sync::IdentityUsage> describe_identity_usage(std::string_view identity_id) const;
    Result<sync::IdentityPoolUsage> describe_pool_usage(std::string_view pool_id) const;
    // Every pool's usage, by pool id, a page at a time.
    Result<std::vector<sync::IdentityPoolUsage>> list_pool_usage(std::string_view after_pool_id,
                                                                 std::int64_t max_results) const;

    // An identity pool's configuration, as JSON text ("{}" until set); not_found for unknown pools.
    Result<std::string> pool_configuration(std::string_view pool_id) const;
    // Replaces the configuration with merge(stored) in one transaction (concurrent updates do not lose
    // each other's sections); returns what was stored, or merge's error and nothing changes.
    using ConfigurationMerge = std::function<Result<std::string>(std::string_view stored)>;
    Result<std::string> update_pool_configuration(std::string_view pool_id, const ConfigurationMerge& merge);

    // Cognito Events: the pool's events as a JSON object of strings ("{}" until set).
    Result<std::string> cognito_events(std::string_view pool_id) const;
    // Stores events (a JSON object) and the SyncTrigger setting it holds ("" for none).
    Status set_cognito_events(std::string_view pool_id, std::string_view events_json,
                              std::string sync_trigger);
    // The pool's SyncTrigger setting, "" for none; from memory once read (it is read for every
    // UpdateRecords).
    Result<std::string> sync_trigger(std::string_view pool_id) const;
    // The stored values of those keys that have one (for the SyncTrigger event's oldValue).
    Result<std::map<std::string, std::string>> record_values(std::string_view identity_id,
                                                             std::string_view dataset,
                                                             const std::vector<std::string>& keys) const;

    // BulkPublish: one dataset-changes record per existing dataset of a pool, in batches.
    Result<BulkPublishDetails> bulk_publish_details(std::string_view pool_id) const;
    // Marks a bulk publish IN_PROGRESS unless one is (in_progress) or one succeeded less than 24 hours ago
    // (already_streamed), as Cognito limits it.
    Result<BulkPublishStart> begin_bulk_publish(std::string_view pool_id, EpochMillis now);
    // Appends the records of up to limit datasets after `after` (all of them: nullopt) in one transaction;
    // returns the last one published, or nullopt when there were none left.
    Result<std::optional<DatasetKey>> publish_datasets(std::string_view pool_id,
                                                       const std::optional<DatasetKey>& after,
                                                       std::int64_t limit, EpochMillis now);
    // Ends the pool's bulk publish: SUCCEEDED, or FAILED with failure's message.
    Status finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now);
    // At start: a bulk publish still IN_PROGRESS was cut short by a stop or crash; it becomes FAILED.
    Status fail_interrupted_bulk_publishes(EpochMillis now);

    // Push sync. A device registered twice with the same platform and token keeps its id.
    Result<std::string> register_device(std::string_view identity_id, std::string_view platform,
                                        std::string_view token, EpochMillis now);
    // not_found when the device is not one of the identity's.
    Status subscribe(std::string_view identity_id, std::string_view dataset, std::string_view device_id);
    Status unsubscribe(std::string_view identity_id, std::string_view dataset, std::string_view device_id);
    // The identity a device belongs to; not_found for unknown devices.
    Result<std::string> device_owner(std::string_view device_id) const;

    // Streams: records with seq > after_seq, oldest first.
    Result<std::vector<StreamRecord>> read_stream(std::string_view stream, std::int64_t after_seq,
                                                  std::int64_t limit) const;
    // Records of every stream with seq > after_seq, oldest first (the data lake reads them all).
    Result<std::vector<StreamRecord>> read_all_streams(std::int64_t after_seq, std::int64_t limit) const;
    // Appends a record (data: JSON text) to a stream; returns its sequence number.
    Result<std::int64_t> append_stream(std::string_view stream, std::string_view partition_key,
                                       std::string_view data, EpochMillis now);
    // Live records in all existing datasets (for metrics).
    Result<std::int64_t> count_records() const;
    // The highest sequence number in use (0 before the first record of any stream).
    Result<std::int64_t> last_stream_seq() const;
    // Retention: drops stream records created before oldest_kept, and in each stream all but the newest
    // max_per_stream (0: no count limit). Returns how many were dropped.
    Result<std::int64_t> prune_streams(EpochMillis oldest_kept, std::int64_t max_per_stream);
    // A consumer group's durable position in a stream (0 when it has none yet).
    Result<std::int64_t> checkpoint(std::string_view stream, std::string_view group) const;
    Status set_checkpoint(std::string_view stream, std::string_view group, std::int64_t seq, EpochMillis now);

    // Processors (DESIGN.md "The latch"). Appends records to a stream and moves a checkpoint in one
    // transaction: what a processor publishes for its input exists exactly once, even across a crash.
    Status publish(std::string_view stream, const std::vector<NewStreamRecord>& records,
                   const Checkpoint& done, EpochMillis now);
    // Writes what events carried with the latch closed, in one transaction with the checkpoint: each event
    // at most once per processor (duplicate), never an older version over a newer one by (version, origin)
    // order (stale). A write that breaks a rule (names, quotas, unknown identity) is rejected alone.
    // done: nullopt for a replay, which moves no checkpoint.
    Result<std::vector<AppliedWrite>> apply_received(std::string_view processor,
                                                     std::vector<ReceivedWrite> writes,
                                                     const std::optional<Checkpoint>& done, EpochMillis now);
    // Who authored a record's current version, and which version it is (nullopt: no such record).
    struct RecordVersion {
        std::optional<std::string> value;
        std::string origin;
        std::int64_t version = 0;
        std::int64_t sync_count = 0;
    };
    Result<std::optional<RecordVersion>> record_version(std::string_view identity_id,
                                                        std::string_view dataset, std::string_view key) const;

    // A secret kept in the database, made on first use (signs session tokens).
    Result<std::string> server_secret();

  private:
    friend class IdentityStore;      // signed-in identities: its own unit, on this store's database
    friend class IdentityPoolStore;  // pools made through the API: the same
    struct Impl;
    explicit SyncStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::server
