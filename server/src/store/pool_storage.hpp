// PoolStorage: identity pools (those of the server's options and those made through the API), their
// configuration, their Cognito Events and their bulk publish; one of the interfaces a storage engine
// implements (storage.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

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

// ListIdentityPools' entries.
struct ListedPool {
    std::string pool_id;
    std::optional<std::string> definition;  // nullopt: a pool from the server's options
};

// Thread-safety: every method may be called from any thread concurrently.
class PoolStorage {
  public:
    virtual ~PoolStorage() = default;

    // A pool of the server's options: made if missing, left as it is otherwise.
    virtual Status ensure_pool(std::string_view pool_id, EpochMillis now) = 0;
    virtual bool pool_exists(std::string_view pool_id) const = 0;

    // Pools made through the API (CreateIdentityPool and the rest, docs/identity.md "Pool
    // administration"). A pool and its definition (JSON text, the IdentityPool shape), in one transaction;
    // conflict when the pool exists already.
    virtual Status create_pool(std::string_view pool_id, std::string_view definition, EpochMillis now) = 0;
    // The definition of a pool made through the API; nullopt for a pool from the server's options;
    // not_found for no pool.
    virtual Result<std::optional<std::string>> pool_definition(std::string_view pool_id) const = 0;
    // How many pools were made through the API.
    virtual Result<std::int64_t> count_api_pools() const = 0;
    // Every pool made through the API, with its definition (for the server's start).
    virtual Result<std::vector<std::pair<std::string, std::string>>> pool_definitions() const = 0;
    // Replaces the definition of a pool made through the API; not_found for any other pool id.
    virtual Status update_pool_definition(std::string_view pool_id, std::string_view definition,
                                          EpochMillis now) = 0;
    // ListIdentityPools: every pool after `after` in id order, at most `limit`.
    virtual Result<std::vector<ListedPool>> list_pools(std::string_view after, std::size_t limit) const = 0;
    // DeleteIdentityPool of a pool made through the API (not_found otherwise), in one transaction: every
    // identity of the pool with all it holds, then the pool. Once it returns, no write to the pool's
    // identities is applied.
    virtual Status delete_pool(std::string_view pool_id) = 0;

    // An identity pool's configuration, as JSON text ("{}" until set); not_found for unknown pools.
    virtual Result<std::string> pool_configuration(std::string_view pool_id) const = 0;
    // Replaces the configuration with merge(stored) in one transaction (concurrent updates do not lose
    // each other's sections); returns what was stored, or merge's error and nothing changes.
    using ConfigurationMerge = std::function<Result<std::string>(std::string_view stored)>;
    virtual Result<std::string> update_pool_configuration(std::string_view pool_id,
                                                          const ConfigurationMerge& merge) = 0;

    // Cognito Events: the pool's events as a JSON object of strings ("{}" until set).
    virtual Result<std::string> cognito_events(std::string_view pool_id) const = 0;
    // Stores events (a JSON object) and the SyncTrigger setting it holds ("" for none).
    virtual Status set_cognito_events(std::string_view pool_id, std::string_view events_json,
                                      std::string sync_trigger) = 0;
    // The pool's SyncTrigger setting, "" for none. It is read for every UpdateRecords: an engine may answer
    // from memory, and then says how soon a setting stored by another server of the database is seen.
    virtual Result<std::string> sync_trigger(std::string_view pool_id) const = 0;

    // BulkPublish: one dataset-changes record per existing dataset of a pool, in batches.
    virtual Result<BulkPublishDetails> bulk_publish_details(std::string_view pool_id) const = 0;
    // Marks a bulk publish IN_PROGRESS unless one is (in_progress) or one succeeded less than 24 hours ago
    // (already_streamed), as Cognito limits it.
    virtual Result<BulkPublishStart> begin_bulk_publish(std::string_view pool_id, EpochMillis now) = 0;
    // Appends the records of up to limit datasets after `after` (all of them: nullopt) in one transaction;
    // returns the last one published, or nullopt when there were none left. Errc::cancelled when the pool's
    // bulk publish is not IN_PROGRESS (failed as interrupted meanwhile: its runner stops).
    virtual Result<std::optional<DatasetKey>> publish_datasets(std::string_view pool_id,
                                                               const std::optional<DatasetKey>& after,
                                                               std::int64_t limit, EpochMillis now) = 0;
    // Ends the pool's bulk publish: SUCCEEDED, or FAILED with failure's message.
    virtual Status finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now) = 0;
    // At start: a bulk publish IN_PROGRESS whose runner is gone (a stop or a crash cut it short) becomes
    // FAILED. The embedded engine has one server, so every one IN_PROGRESS at its start is such; an engine
    // that servers share must tell a dead runner's from a live one's (a lease).
    virtual Status fail_interrupted_bulk_publishes(EpochMillis now) = 0;
};

}  // namespace synclatch::server
