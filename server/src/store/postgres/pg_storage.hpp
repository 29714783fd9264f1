// PgStorage: the storage engine on PostgreSQL, for several servers on one database (docs/scaling.md).
// Every method is one transaction on a connection of the pool (pg_connection_pool.hpp); UpdateRecords, new
// identities and new credentials go through group commit (pg_group_commit.hpp). Nothing another server can
// change is answered from memory, except the SyncTrigger settings (sync_trigger says how stale).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "store/storage.hpp"

namespace synclatch::server {

struct PgStorageOptions {
    std::string url;  // a postgresql:// URL or a libpq "key=value ..." string
    SyncLimits limits;
    // This deployment's id (as SqliteStorageOptions::deployment_id): every server of the database has the
    // same one, the database's.
    std::string deployment_id;
    // A folder of this server's own (its --data), where it keeps a name across restarts: restarted after a
    // crash, it takes its processors' leases back at once (pg_server_name.hpp). "": a random name.
    std::string server_dir;
    std::size_t max_connections = 16;  // per server
    std::size_t writers = 2;           // group commit's transactions in flight at once, per server
};

// Thread-safety: every method may be called from any thread concurrently.
class PgStorage final : public Storage {
  public:
    // Connects, brings the schema up to date (pg_migrations.hpp) and claims the deployment id.
    static Result<std::unique_ptr<PgStorage>> open(const PgStorageOptions& options);
    ~PgStorage() override;
    PgStorage(const PgStorage&) = delete;
    PgStorage& operator=(const PgStorage&) = delete;

    const SyncLimits& limits() const noexcept override;
    const std::string& deployment_id() const noexcept override;
    ServerBus& bus() noexcept override;

    // IdentityStorage (pg_identities.cpp; sign-in in pg_sign_ins.cpp).
    void submit_create_identity(std::string pool_id, EpochMillis now, CreateIdentityDone done) override;
    Result<std::string> pool_of(std::string_view identity_id) const override;
    void submit_issue_credentials(std::string identity_id, EpochMillis now, EpochMillis lifetime_ms,
                                  IssueCredentialsDone done) override;
    Result<std::optional<IdentityCredentials>> newest_credentials(std::string_view identity_id,
                                                                  EpochMillis expiring_after) const override;
    Result<IdentityCredentials> find_credentials(std::string_view access_key_id) const override;
    Result<std::vector<MovedDataset>> merge(std::string_view survivor, std::string_view merged,
                                            EpochMillis now) override;
    Result<std::optional<std::string>> find_for_logins(std::string_view pool_id,
                                                       const std::vector<Login>& logins) const override;
    Result<SignIn> identity_for_logins(std::string_view pool_id, const std::vector<Login>& logins,
                                       EpochMillis now) override;
    Result<SignIn> authorize(std::string_view identity_id, const std::vector<Login>& logins, bool proven,
                             EpochMillis now) override;
    Result<std::optional<std::string>> survivor_of(std::string_view identity_id) const override;
    Result<std::vector<Login>> logins(std::string_view identity_id) const override;
    Result<bool> unlink(std::string_view identity_id, const std::vector<Login>& logins,
                        EpochMillis now) override;
    Status delete_identities(const std::vector<std::string>& identity_ids) override;
    Result<std::vector<ListedIdentity>> list_identities(std::string_view pool_id, std::string_view after,
                                                        std::size_t limit, bool hide_disabled) const override;
    Result<IdentityDescription> describe_identity(std::string_view identity_id) const override;
    Result<std::string> server_secret() override;
    bool keeps_signing_keys() const noexcept override { return true; }
    Result<std::optional<StoredSigningKeys>> signing_keys() const override;
    Result<StoredSigningKeys> adopt_signing_keys(const StoredSigningKeys& candidate) override;

    // RecordStorage (pg_records.cpp).
    Result<sync::ListRecordsResult> list_records(std::string_view identity_id, std::string_view dataset,
                                                 std::int64_t last_sync_count, std::string_view next_token,
                                                 std::int64_t max_results) const override;
    void submit_update_records(std::string identity_id, std::string dataset, std::string author,
                               std::vector<sync::RecordPatch> patches, EpochMillis now,
                               UpdateRecordsDone done) override;
    Result<sync::DatasetDescription> describe_dataset(std::string_view identity_id,
                                                      std::string_view dataset) const override;
    Result<sync::DatasetDescription> delete_dataset(std::string_view identity_id, std::string_view dataset,
                                                    EpochMillis now) override;
    Result<DatasetPage> list_datasets(std::string_view identity_id, std::string_view next_token,
                                      std::int64_t max_results) const override;
    Result<sync::IdentityUsage> describe_identity_usage(std::string_view identity_id) const override;
    Result<sync::IdentityPoolUsage> describe_pool_usage(std::string_view pool_id) const override;
    Result<std::vector<sync::IdentityPoolUsage>> list_pool_usage(std::string_view after_pool_id,
                                                                 std::int64_t max_results) const override;
    Result<std::map<std::string, sync::WireRecord>> stored_records(
        std::string_view identity_id, std::string_view dataset,
        const std::vector<std::string>& keys) const override;
    Result<std::int64_t> count_records() const override;

    // StreamStorage (pg_streams.cpp; what processors apply in pg_latch.cpp).
    Result<std::vector<StreamRecord>> read_stream(std::string_view stream, std::int64_t after_seq,
                                                  std::int64_t limit) const override;
    Result<std::vector<StreamRecord>> read_all_streams(std::int64_t after_seq,
                                                       std::int64_t limit) const override;
    Result<std::int64_t> append_stream(std::string_view stream, std::string_view partition_key,
                                       std::string_view data, EpochMillis now) override;
    Result<std::int64_t> last_stream_seq() const override;
    Result<RetentionPass> prune_streams(const RetentionLimits& limits) override;
    Result<std::int64_t> trimmed_through(std::string_view stream) const override;
    Result<bool> remove_checkpoint(std::string_view stream, std::string_view group) override;
    Result<std::int64_t> checkpoint(std::string_view stream, std::string_view group) const override;
    Status set_checkpoint(const Checkpoint& position, EpochMillis now) override;
    Result<std::optional<std::int64_t>> take_lease(std::string_view role,
                                                   std::chrono::milliseconds ttl) override;
    Status release_lease(std::string_view role) override;
    Status publish(std::string_view stream, const std::vector<NewStreamRecord>& records,
                   const Checkpoint& done, EpochMillis now) override;
    Result<std::vector<AppliedWrite>> apply_received(std::string_view processor,
                                                     std::vector<ReceivedWrite> writes,
                                                     const std::optional<Checkpoint>& done,
                                                     EpochMillis now) override;
    Result<std::optional<RecordVersion>> record_version(std::string_view identity_id,
                                                        std::string_view dataset,
                                                        std::string_view key) const override;

    // PoolStorage (pg_pools.cpp; bulk publish in pg_bulk_publish.cpp).
    Status ensure_pool(std::string_view pool_id, EpochMillis now) override;
    bool pool_exists(std::string_view pool_id) const override;
    Status create_pool(std::string_view pool_id, std::string_view definition, EpochMillis now) override;
    Result<std::optional<std::string>> pool_definition(std::string_view pool_id) const override;
    Result<std::int64_t> count_api_pools() const override;
    Result<std::vector<std::pair<std::string, std::string>>> pool_definitions() const override;
    Status update_pool_definition(std::string_view pool_id, std::string_view definition,
                                  EpochMillis now) override;
    Result<std::vector<ListedPool>> list_pools(std::string_view after, std::size_t limit) const override;
    Status delete_pool(std::string_view pool_id) override;
    Result<std::string> pool_configuration(std::string_view pool_id) const override;
    Result<std::string> update_pool_configuration(std::string_view pool_id,
                                                  const ConfigurationMerge& merge) override;
    Result<std::string> cognito_events(std::string_view pool_id) const override;
    Status set_cognito_events(std::string_view pool_id, std::string_view events_json,
                              std::string sync_trigger) override;
    // Answered from memory for up to kSyncTriggerStaleness after it was read from the database: a setting
    // another server stored is seen by this one at most that long after (this server's own, at once).
    Result<std::string> sync_trigger(std::string_view pool_id) const override;
    static constexpr std::chrono::seconds kSyncTriggerStaleness{5};
    Result<BulkPublishDetails> bulk_publish_details(std::string_view pool_id) const override;
    Result<BulkPublishStart> begin_bulk_publish(std::string_view pool_id, EpochMillis now) override;
    Result<std::optional<DatasetKey>> publish_datasets(std::string_view pool_id,
                                                       const std::optional<DatasetKey>& after,
                                                       std::int64_t limit, EpochMillis now) override;
    Status finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now) override;
    // Fails only the bulk publishes whose runner's lease ran out (kBulkPublishLeaseMs after it began or
    // last published a batch): another server's that is still running is left alone.
    Status fail_interrupted_bulk_publishes(EpochMillis now) override;
    // How long a bulk publish's runner may go without publishing a batch before it counts as gone: a batch
    // of BulkPublisher::kDatasetsPerTransaction datasets takes far less.
    static constexpr EpochMillis kBulkPublishLeaseMs = 30'000;

    // ImportStorage, and IdentityStorage's imported logins (pg_imports.cpp).
    Status import_identity(const ImportedIdentity& identity) override;
    Result<std::optional<ImportMark>> import_mark(std::string_view identity_id,
                                                  std::string_view dataset) const override;
    Status import_dataset(const ImportedDataset& dataset) override;
    Status remove_imported_dataset(std::string_view identity_id, std::string_view dataset,
                                   EpochMillis now) override;
    Result<bool> link_imported_login(std::string_view identity_id, const Login& login,
                                     EpochMillis now) override;
    Result<std::vector<std::string>> unlinked_providers(std::string_view identity_id) const override;
    Result<std::optional<ImportRun>> import_run(std::string_view pool_id) const override;
    Status save_import_run(std::string_view pool_id, const std::optional<ImportRun>& run) override;

    // DeviceStorage (pg_devices.cpp).
    Result<std::string> register_device(std::string_view identity_id, std::string_view platform,
                                        std::string_view token, EpochMillis now) override;
    Status subscribe(std::string_view identity_id, std::string_view dataset,
                     std::string_view device_id) override;
    Status unsubscribe(std::string_view identity_id, std::string_view dataset,
                       std::string_view device_id) override;
    Result<std::string> device_owner(std::string_view device_id) const override;

  private:
    struct Impl;
    explicit PgStorage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::server
