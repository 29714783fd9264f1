// SqliteStorage: the embedded storage engine, on one SQLite file (the default, and all the main job needs).
// Writes are serialized on one connection (UpdateRecords, new identities and credentials in group commits,
// other writes one transaction each); reads use a connection per io thread and see the last commit.
//
// It is one server's: it locks its file (a second server on the same --data refuses to start), and so it
// may keep in memory what only it writes: an identity's pool and issued credentials (RowCache), the
// SyncTrigger settings, the deployment clock, and the identities retired lately.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "store/storage.hpp"

namespace synclatch::server {

struct SqliteStorageOptions {
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

// Thread-safety: every method may be called from any thread concurrently.
class SqliteStorage final : public Storage {
  public:
    // conflict when another process has the file open as its storage.
    static Result<std::unique_ptr<SqliteStorage>> open(const SqliteStorageOptions& options);
    ~SqliteStorage() override;
    SqliteStorage(const SqliteStorage&) = delete;
    SqliteStorage& operator=(const SqliteStorage&) = delete;

    const SyncLimits& limits() const noexcept override;
    const std::string& deployment_id() const noexcept override;
    ServerBus& bus() noexcept override;

    // IdentityStorage (sqlite_storage.cpp; sign-in in sqlite_sign_ins.cpp).
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

    // RecordStorage (sqlite_storage.cpp).
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

    // StreamStorage (sqlite_storage.cpp; what processors publish and apply in sqlite_storage_latch.cpp).
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

    // PoolStorage (sqlite_storage.cpp; pools made through the API in sqlite_api_pools.cpp).
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
    // From memory once read: this engine is the only writer of its file.
    Result<std::string> sync_trigger(std::string_view pool_id) const override;
    Result<BulkPublishDetails> bulk_publish_details(std::string_view pool_id) const override;
    Result<BulkPublishStart> begin_bulk_publish(std::string_view pool_id, EpochMillis now) override;
    Result<std::optional<DatasetKey>> publish_datasets(std::string_view pool_id,
                                                       const std::optional<DatasetKey>& after,
                                                       std::int64_t limit, EpochMillis now) override;
    Status finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now) override;
    Status fail_interrupted_bulk_publishes(EpochMillis now) override;

    // ImportStorage, and IdentityStorage's imported logins (sqlite_imports.cpp).
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

    // DeviceStorage (sqlite_storage.cpp).
    Result<std::string> register_device(std::string_view identity_id, std::string_view platform,
                                        std::string_view token, EpochMillis now) override;
    Status subscribe(std::string_view identity_id, std::string_view dataset,
                     std::string_view device_id) override;
    Status unsubscribe(std::string_view identity_id, std::string_view dataset,
                       std::string_view device_id) override;
    Result<std::string> device_owner(std::string_view device_id) const override;

  private:
    struct Impl;
    explicit SqliteStorage(std::unique_ptr<Impl> impl);
    // Runs fn(db) -> Result<T> in one transaction on the writer; the identities (or pools) it merged away or
    // deleted (retired_of(value)) are remembered before any later write runs (sqlite_sign_ins.cpp).
    template <class T, class Fn, class RetiredOf>
    Result<T> write_retiring(Fn&& fn, RetiredOf&& retired_of);
    // After a merge, a deletion or a disable committed: what the caches must no longer hold of an identity
    // that cannot act any more (its pool, its credentials).
    void forget(const std::string& identity);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::server
