// SqliteStorage: Cognito Sync semantics on SQLite. Every operation is one transaction (writes on the single
// writer connection, reads in a snapshot on a pooled reader), with input validated before it starts.
#include "store/sqlite/sqlite_storage.hpp"

#include <cctype>
#include <limits>
#include <mutex>
#include <tuple>

#include "events/change_event.hpp"
#include "store/sqlite/database_file.hpp"
#include "store/sqlite/database_lock.hpp"
#include "store/sqlite/identity_merge.hpp"
#include "store/sqlite/identity_rows.hpp"
#include "store/sqlite/record_writes.hpp"
#include "store/sqlite/server_schema.hpp"
#include "store/sqlite/sqlite_storage_impl.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/migrations.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;
using sync::DatasetDescription;
using sync::PatchOp;
using sync::RecordPatch;
using sync::WireRecord;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

DatasetDescription describe(std::string_view identity, std::string_view name, const DatasetRow& row) {
    return {std::string(identity), std::string(name), row.creation_date, row.last_modified_date,
            row.last_modified_by,  row.data_storage,  row.num_records};
}

Result<std::string> read_configuration(sqlite::Database& db, std::string_view pool_id) {
    sqlite::StatementScope select(db.cached("SELECT configuration FROM identity_pools WHERE pool_id = ?1"));
    select->bind(1, pool_id);
    if (!select->step()) return pool_not_found(pool_id);
    return select->column_string(0);
}

Status dataset_not_found(std::string_view name) {
    return {Errc::not_found, "Dataset " + std::string(name) + " does not exist"};
}

// The deployment id kept in the database: the one asked for (stored on first use), or the stored one, or a
// new random one. A data dir keeps its id for life: records and events name it as their origin, and a
// deployment recognizes its own echoes by it.
Result<std::string> claim_deployment_id(sqlite::Database& db, const std::string& wanted) {
    if (!wanted.empty()) {
        if (Status s = validate_deployment_id(wanted); !s.ok()) return s;
    }
    sqlite::Transaction tx(db, sqlite::Transaction::Mode::immediate);
    sqlite::StatementScope select(db.cached("SELECT value FROM server_meta WHERE name = 'deployment_id'"));
    if (select->step()) {
        std::string stored = select->column_string(0);
        if (!wanted.empty() && wanted != stored) {
            return invalid("this data dir belongs to deployment '" + stored + "', not '" + wanted +
                           "': a deployment id never changes (its records and events name it)");
        }
        return stored;
    }
    const std::string id = wanted.empty() ? "d-" + random_hex(6) : wanted;
    sqlite::StatementScope insert(
        db.cached("INSERT INTO server_meta (name, value) VALUES ('deployment_id', ?1)"));
    insert->bind(1, id).run();
    tx.commit();
    return id;
}

// The rows of a SELECT seq, stream, partition_key, data, created FROM stream_records.
std::vector<StreamRecord> stream_records_of(sqlite::Statement& select) {
    std::vector<StreamRecord> records;
    while (select.step()) {
        records.push_back(StreamRecord{select.column_int64(0), select.column_string(1),
                                       select.column_string(2), select.column_string(3),
                                       select.column_int64(4)});
    }
    return records;
}

}  // namespace

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const SqliteStorageOptions& options) {
    if (options.path.empty()) return invalid("the server database path is empty");
    sqlite::OpenOptions open_options;
    open_options.synchronous_full = options.durable;
    auto file_lock = DatabaseLock::acquire(options.path);
    if (!file_lock.ok()) return file_lock.status();
    // Before any connection that would write to it: refuses an empty or damaged file, makes a missing one.
    if (Status s = prepare_database_file(options.path, open_options, options.integrity_check_budget); !s.ok())
        return s;
    try {
        auto impl = std::make_unique<Impl>(std::move(file_lock).value(), options, open_options);
        sqlite::migrate(impl->writer, server_migrations());
        auto deployment = claim_deployment_id(impl->writer, options.deployment_id);
        if (!deployment.ok()) return deployment.status();
        impl->deployment_id = std::move(deployment).value();
        {
            std::lock_guard lock(impl->write_mutex);
            impl->clock = load_clock(impl->writer);
        }
        return std::unique_ptr<SqliteStorage>(new SqliteStorage(std::move(impl)));
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    } catch (const RandomnessUnavailable& e) {
        return Status{Errc::internal, e.what()};
    }
}

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::~SqliteStorage() = default;

const SyncLimits& SqliteStorage::limits() const noexcept {
    return impl_->limits;
}

const std::string& SqliteStorage::deployment_id() const noexcept {
    return impl_->deployment_id;
}

ServerBus& SqliteStorage::bus() noexcept {
    return impl_->bus;
}

Status SqliteStorage::ensure_pool(std::string_view pool_id, EpochMillis now) {
    if (Status s = core::validate_identity_pool_id(pool_id); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) {
        sqlite::StatementScope insert(
            db.cached("INSERT INTO identity_pools (pool_id, created, last_modified) VALUES (?1, ?2, ?2) ON "
                      "CONFLICT DO NOTHING"));
        insert->bind(1, pool_id).bind(2, now).run();
        return Status{};
    });
}

bool SqliteStorage::pool_exists(std::string_view pool_id) const {
    auto found = impl_->read([&](sqlite::Database& db) -> Result<bool> {
        sqlite::StatementScope select(db.cached("SELECT 1 FROM identity_pools WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        return select->step();
    });
    return found.ok() && *found;
}

void SqliteStorage::submit_create_identity(std::string pool_id, EpochMillis now, CreateIdentityDone done) {
    if (Status s = core::validate_identity_pool_id(pool_id); !s.ok()) return done(std::move(s));
    auto created = std::make_shared<std::string>();
    impl_->committer.submit(
        [pool_id = std::move(pool_id), now, created](sqlite::Database& db) -> Status {
            *created = new_identity_id(pool_id);
            return insert_identity(db, pool_id, *created, now);
        },
        [created, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            done(std::move(*created));
        });
}

void SqliteStorage::submit_issue_credentials(std::string identity_id, EpochMillis now,
                                             EpochMillis lifetime_ms, IssueCredentialsDone done) {
    auto issued = std::make_shared<IdentityCredentials>();
    // Taken now: a merge that revokes the identity's credentials before the callback runs keeps this set
    // out of the cache.
    const auto epoch = impl_->credentials.epoch();
    impl_->committer.submit(
        [identity_id = std::move(identity_id), now, lifetime_ms, issued](sqlite::Database& db) -> Status {
            sqlite::StatementScope identity(
                db.cached("SELECT 1 FROM identities WHERE identity_id = ?1 AND merged_into IS NULL"));
            identity->bind(1, identity_id);
            if (!identity->step()) return identity_not_found(identity_id);
            {
                sqlite::StatementScope expired(db.cached("DELETE FROM credentials WHERE expiration < ?1"));
                expired->bind(1, now).run();
            }
            issued->access_key_id = new_access_key_id();
            issued->secret_key = random_hex(20);
            issued->session_token = random_hex(48);
            issued->identity_id = identity_id;
            issued->expiration = now + lifetime_ms;
            sqlite::StatementScope insert(db.cached(
                "INSERT INTO credentials (access_key_id, secret_key, session_token, identity_id, expiration) "
                "VALUES (?1, ?2, ?3, ?4, ?5)"));
            insert->bind(1, issued->access_key_id).bind(2, issued->secret_key).bind(3, issued->session_token);
            insert->bind(4, issued->identity_id).bind(5, issued->expiration).run();
            return {};
        },
        [impl = impl_.get(), issued, epoch, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            impl->credentials.insert(issued->access_key_id, *issued, epoch);
            done(std::move(*issued));
        });
}

Result<std::optional<IdentityCredentials>> SqliteStorage::newest_credentials(
    std::string_view identity_id, EpochMillis expiring_after) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<IdentityCredentials>> {
        sqlite::StatementScope select(db.cached(
            "SELECT access_key_id, secret_key, session_token, expiration FROM credentials WHERE "
            "identity_id = ?1 AND expiration > ?2 ORDER BY expiration DESC, access_key_id DESC LIMIT 1"));
        select->bind(1, identity_id).bind(2, expiring_after);
        if (!select->step()) return std::optional<IdentityCredentials>{};
        return std::optional<IdentityCredentials>{
            IdentityCredentials{select->column_string(0), select->column_string(1), select->column_string(2),
                                std::string(identity_id), select->column_int64(3)}};
    });
}

Result<IdentityCredentials> SqliteStorage::find_credentials(std::string_view access_key_id) const {
    if (auto cached = impl_->credentials.find(access_key_id)) return std::move(*cached);
    const auto epoch = impl_->credentials.epoch();
    auto found = impl_->read([&](sqlite::Database& db) -> Result<IdentityCredentials> {
        sqlite::StatementScope select(
            db.cached("SELECT secret_key, session_token, identity_id, expiration FROM credentials WHERE "
                      "access_key_id = ?1"));
        select->bind(1, access_key_id);
        if (!select->step()) return credentials_not_found();
        return IdentityCredentials{std::string(access_key_id), select->column_string(0),
                                   select->column_string(1), select->column_string(2),
                                   select->column_int64(3)};
    });
    if (found.ok()) impl_->credentials.insert(std::string(access_key_id), *found, epoch);
    return found;
}

Result<std::string> SqliteStorage::pool_of(std::string_view identity_id) const {
    if (auto cached = impl_->pool_of_identity.find(identity_id)) return std::move(*cached);
    const auto epoch = impl_->pool_of_identity.epoch();
    auto found = impl_->read([&](sqlite::Database& db) -> Result<std::string> {
        // An identity merged into another is gone (its survivor has its data).
        sqlite::StatementScope select(
            db.cached("SELECT pool_id FROM identities WHERE identity_id = ?1 AND merged_into IS NULL"));
        select->bind(1, identity_id);
        if (!select->step()) return identity_not_found(identity_id);
        return select->column_string(0);
    });
    if (found.ok()) impl_->pool_of_identity.insert(std::string(identity_id), *found, epoch);
    return found;
}

Result<sync::ListRecordsResult> SqliteStorage::list_records(std::string_view identity_id,
                                                            std::string_view dataset,
                                                            std::int64_t last_sync_count,
                                                            std::string_view next_token,
                                                            std::int64_t max_results) const {
    // One bound (list_records_start): given as two conditions, SQLite would range the index on sync_count
    // alone and filter the rest, so every page would read all the records before it.
    auto from = list_records_start(dataset, last_sync_count, next_token);
    if (!from.ok()) return from.status();
    const std::int64_t page_size = max_results > 0 ? std::min(max_results, impl_->limits.max_results_per_page)
                                                   : impl_->limits.max_results_per_page;

    return impl_->read([&](sqlite::Database& db) -> Result<sync::ListRecordsResult> {
        sync::ListRecordsResult page;
        const auto row = load_dataset(db, identity_id, dataset);
        page.dataset_exists = row && row->exists;
        page.dataset_sync_count = row ? row->sync_count : 0;
        page.dataset_deleted_after_requested_sync_count =
            row && row->deleted_at && last_sync_count > 0 && last_sync_count <= *row->deleted_at;
        if (page.dataset_exists && last_sync_count > row->sync_count) {
            return invalid("No such SyncCount: " + std::to_string(last_sync_count));
        }
        if (row && !row->last_modified_by.empty()) page.last_modified_by = row->last_modified_by;
        if (page.dataset_exists) {
            sqlite::StatementScope select(
                db.cached("SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                          "device_last_modified_date "
                          "FROM records WHERE identity_id = ?1 AND dataset_name = ?2 "
                          "AND (sync_count, key) > (?3, ?4) ORDER BY sync_count, key LIMIT ?5"));
            select->bind(1, identity_id).bind(2, dataset).bind(3, from->sync_count).bind(4, from->key);
            select->bind(5, page_size + 1);
            while (select->step()) {
                page.records.push_back(WireRecord{select->column_string(0), select->column_optional_string(1),
                                                  select->column_int64(2), select->column_int64(3),
                                                  select->column_string(4), select->column_int64(5)});
            }
            if (static_cast<std::int64_t>(page.records.size()) > page_size) {
                page.records.pop_back();
                page.next_token =
                    encode_record_cursor({page.records.back().sync_count, page.records.back().key});
            }
        }
        // Merged datasets (PROTOCOL.md §3.5): "<dataset>.<merged identity>" of the identities merged into
        // this one, while they exist; a dataset that is merely named with a dot is not one.
        sqlite::StatementScope merged(
            db.cached("SELECT merged.identity_id FROM identities AS merged WHERE merged.merged_into = ?1 "
                      "ORDER BY merged.identity_id"));
        merged->bind(1, identity_id);
        while (merged->step()) {
            std::string name = merged_dataset_name(dataset, merged->column_string(0));
            const auto merged_row = load_dataset(db, identity_id, name);
            if (merged_row && merged_row->exists) page.merged_dataset_names.push_back(std::move(name));
        }
        return page;
    });
}

namespace {

// UpdateRecords' work inside the writer's transaction (validated input): each patch is checked against the
// stored sync count, then written as this deployment's own version (latch open); or an error and the
// caller rolls back.
Result<std::vector<WireRecord>> apply_update(sqlite::Database& db, DeploymentClock& clock,
                                             const SyncLimits& limits, std::string_view deployment_id,
                                             std::string_view pool_id, std::string_view identity_id,
                                             std::string_view dataset, std::string_view author,
                                             const std::vector<RecordPatch>& patches, EpochMillis now) {
    std::vector<VersionedWrite> writes;
    writes.reserve(patches.size());
    for (const auto& patch : patches) {
        const auto stored = load_version(db, identity_id, dataset, patch.key);
        if (Status s = check_patch_sync_count(patch, stored ? stored->sync_count : 0); !s.ok()) return s;
        VersionedWrite w;
        w.key = patch.key;
        if (patch.op == PatchOp::replace) w.value = patch.value.value_or("");
        w.device_last_modified_date = patch.device_last_modified_date.value_or(now);
        w.existed = stored && stored->value;
        w.stored_size = stored ? live_size(patch.key, stored->value) : 0;
        writes.push_back(std::move(w));
    }
    return write_versions(db, clock, limits, pool_id, identity_id, dataset, author,
                          Authorship{deployment_id, /*latch_open=*/true}, std::move(writes), now);
}

std::vector<std::string> read_subscribers(sqlite::Database& db, std::string_view identity_id,
                                          std::string_view dataset) {
    std::vector<std::string> devices;
    sqlite::StatementScope select(
        db.cached("SELECT device_id FROM subscriptions WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY "
                  "device_id"));
    select->bind(1, identity_id).bind(2, dataset);
    while (select->step())
        devices.push_back(select->column_string(0));
    return devices;
}

}  // namespace

void SqliteStorage::submit_update_records(std::string identity_id, std::string dataset, std::string author,
                                          std::vector<RecordPatch> patches, EpochMillis now,
                                          UpdateRecordsDone done) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return done(std::move(s));
    if (Status s = validate_patches(patches, impl_->limits); !s.ok()) return done(std::move(s));
    // The identity's pool, from memory once known: the writer thread then has one lookup less to do.
    auto pool = pool_of(identity_id);
    if (!pool.ok()) return done(pool.status());
    struct Update {
        std::string pool_id, identity_id, dataset, author;
        std::vector<RecordPatch> patches;
        EpochMillis now;
        UpdateRecordsOutcome outcome;
    };
    auto update = std::make_shared<Update>(Update{std::move(pool).value(),
                                                  std::move(identity_id),
                                                  std::move(dataset),
                                                  std::move(author),
                                                  std::move(patches),
                                                  now,
                                                  {}});
    impl_->committer.submit(
        [update, &limits = impl_->limits, &deployment = impl_->deployment_id, &clock = impl_->clock,
         &recently_retired = impl_->recently_retired](sqlite::Database& db) -> Status {
            if (recently_retired.contains(update->identity_id) || recently_retired.contains(update->pool_id))
                return Status{Errc::not_found, "Identity '" + update->identity_id + "' not found."};
            auto written = apply_update(db, clock, limits, deployment, update->pool_id, update->identity_id,
                                        update->dataset, update->author, update->patches, update->now);
            if (!written.ok()) return written.status();
            update->outcome.records = std::move(written).value();
            // Read here, in the write's own transaction, rather than in a read transaction of its own.
            update->outcome.subscribers = read_subscribers(db, update->identity_id, update->dataset);
            return {};
        },
        [update, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            done(std::move(update->outcome));
        });
}

Result<DatasetDescription> SqliteStorage::describe_dataset(std::string_view identity_id,
                                                           std::string_view dataset) const {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->read([&](sqlite::Database& db) -> Result<DatasetDescription> {
        const auto row = load_dataset(db, identity_id, dataset);
        if (!row || !row->exists) return dataset_not_found(dataset);
        return describe(identity_id, dataset, *row);
    });
}

Result<DatasetDescription> SqliteStorage::delete_dataset(std::string_view identity_id,
                                                         std::string_view dataset, EpochMillis now) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) -> Result<DatasetDescription> {
        const auto row = load_dataset(db, identity_id, dataset);
        if (!row || !row->exists) return dataset_not_found(dataset);
        sqlite::StatementScope pool(db.cached("SELECT pool_id FROM identities WHERE identity_id = ?1"));
        pool->bind(1, identity_id);
        if (!pool->step()) return identity_not_found(identity_id);
        // A client's deletion, latch open: its version orders it after every version of the dataset's keys.
        DeploymentClock& clock = impl_->clock;
        const std::int64_t version = ++clock.value;
        clock.dirty = true;
        persist_clock(db, clock);
        erase_dataset(db, pool->column_string(0), identity_id, dataset, *row,
                      RecordAuthorship{impl_->deployment_id, version, version, true, /*latch_open=*/true},
                      now);
        return describe(identity_id, dataset, *row);
    });
}

Result<DatasetPage> SqliteStorage::list_datasets(std::string_view identity_id, std::string_view next_token,
                                                 std::int64_t max_results) const {
    auto after = decode_dataset_cursor(next_token);
    if (!after.ok()) return after.status();
    const std::int64_t page_size = max_results > 0 ? std::min(max_results, impl_->limits.max_results_per_page)
                                                   : impl_->limits.max_results_per_page;
    return impl_->read([&](sqlite::Database& db) -> Result<DatasetPage> {
        DatasetPage page;
        sqlite::StatementScope select(db.cached(
            "SELECT name, creation_date, last_modified_date, last_modified_by, data_storage, num_records "
            "FROM datasets WHERE identity_id = ?1 AND exists_now = 1 AND name > ?2 ORDER BY name LIMIT ?3"));
        select->bind(1, identity_id).bind(2, *after).bind(3, page_size + 1);
        while (select->step()) {
            page.datasets.push_back(DatasetDescription{std::string(identity_id), select->column_string(0),
                                                       select->column_int64(1), select->column_int64(2),
                                                       select->column_string(3), select->column_int64(4),
                                                       select->column_int64(5)});
        }
        if (static_cast<std::int64_t>(page.datasets.size()) > page_size) {
            page.datasets.pop_back();
            page.next_token = encode_dataset_cursor(page.datasets.back().dataset_name);
        }
        return page;
    });
}

Result<sync::IdentityUsage> SqliteStorage::describe_identity_usage(std::string_view identity_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<sync::IdentityUsage> {
        // Last modified: the identity's creation or its latest dataset change (deletions included).
        sqlite::StatementScope identity(db.cached(
            "SELECT pool_id, MAX(last_modified, COALESCE((SELECT MAX(last_modified_date) FROM datasets WHERE "
            "identity_id = ?1), 0)) FROM identities WHERE identity_id = ?1"));
        identity->bind(1, identity_id);
        if (!identity->step())
            return Status{Errc::not_found, "Identity '" + std::string(identity_id) + "' not found."};
        sync::IdentityUsage usage;
        usage.identity_id = std::string(identity_id);
        usage.identity_pool_id = identity->column_string(0);
        usage.last_modified_date = identity->column_int64(1);
        sqlite::StatementScope totals(
            db.cached("SELECT COUNT(*), COALESCE(SUM(data_storage), 0) FROM datasets WHERE identity_id = ?1 "
                      "AND exists_now = 1"));
        totals->bind(1, identity_id);
        totals->step();
        usage.dataset_count = totals->column_int64(0);
        usage.data_storage = totals->column_int64(1);
        return usage;
    });
}

Result<sync::IdentityPoolUsage> SqliteStorage::describe_pool_usage(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<sync::IdentityPoolUsage> {
        sqlite::StatementScope pool(
            db.cached("SELECT sync_sessions, last_modified FROM identity_pools WHERE pool_id = ?1"));
        pool->bind(1, pool_id);
        if (!pool->step()) return pool_not_found(pool_id);
        sync::IdentityPoolUsage usage;
        usage.identity_pool_id = std::string(pool_id);
        usage.sync_sessions_count = pool->column_int64(0);
        usage.last_modified_date = pool->column_int64(1);
        sqlite::StatementScope storage(
            db.cached("SELECT COALESCE(SUM(d.data_storage), 0) FROM datasets d JOIN identities i "
                      "ON d.identity_id = i.identity_id WHERE i.pool_id = ?1 AND d.exists_now = 1"));
        storage->bind(1, pool_id);
        storage->step();
        usage.data_storage = storage->column_int64(0);
        return usage;
    });
}

Result<std::vector<sync::IdentityPoolUsage>> SqliteStorage::list_pool_usage(std::string_view after_pool_id,
                                                                            std::int64_t max_results) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<sync::IdentityPoolUsage>> {
        std::vector<sync::IdentityPoolUsage> pools;
        sqlite::StatementScope select(
            db.cached("SELECT p.pool_id, p.sync_sessions, p.last_modified, "
                      "(SELECT COALESCE(SUM(d.data_storage), 0) FROM datasets d JOIN identities i ON "
                      "d.identity_id = i.identity_id "
                      " WHERE i.pool_id = p.pool_id AND d.exists_now = 1) "
                      "FROM identity_pools p WHERE p.pool_id > ?1 ORDER BY p.pool_id LIMIT ?2"));
        select->bind(1, after_pool_id).bind(2, max_results);
        while (select->step()) {
            pools.push_back(sync::IdentityPoolUsage{select->column_string(0), select->column_int64(1),
                                                    select->column_int64(3), select->column_int64(2)});
        }
        return pools;
    });
}

Result<std::vector<StreamRecord>> SqliteStorage::read_stream(std::string_view stream, std::int64_t after_seq,
                                                             std::int64_t limit) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<StreamRecord>> {
        sqlite::StatementScope select(
            db.cached("SELECT seq, stream, partition_key, data, created FROM stream_records WHERE stream = "
                      "?1 AND seq > ?2 ORDER BY seq LIMIT ?3"));
        select->bind(1, stream).bind(2, after_seq).bind(3, limit);
        return stream_records_of(*select);
    });
}

Result<std::string> SqliteStorage::pool_configuration(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) { return read_configuration(db, pool_id); });
}

Result<std::string> SqliteStorage::update_pool_configuration(std::string_view pool_id,
                                                             const ConfigurationMerge& merge) {
    return impl_->write([&](sqlite::Database& db) -> Result<std::string> {
        auto stored = read_configuration(db, pool_id);
        if (!stored.ok()) return stored;
        auto merged = merge(*stored);
        if (!merged.ok()) return merged.status();
        sqlite::StatementScope update(
            db.cached("UPDATE identity_pools SET configuration = ?2 WHERE pool_id = ?1"));
        update->bind(1, pool_id).bind(2, *merged).run();
        return merged;
    });
}

Result<std::string> SqliteStorage::cognito_events(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::string> {
        sqlite::StatementScope select(
            db.cached("SELECT cognito_events FROM identity_pools WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return pool_not_found(pool_id);
        return select->column_string(0);
    });
}

Status SqliteStorage::set_cognito_events(std::string_view pool_id, std::string_view events_json,
                                         std::string sync_trigger) {
    // Under triggers_mutex from before the write until the cache holds it: a concurrent first read of
    // the setting cannot put the old value back.
    std::lock_guard lock(impl_->triggers_mutex);
    Status written = impl_->write([&](sqlite::Database& db) -> Status {
        sqlite::StatementScope update(
            db.cached("UPDATE identity_pools SET cognito_events = ?2 WHERE pool_id = ?1"));
        update->bind(1, pool_id).bind(2, events_json).run();
        if (db.changes() == 0) return pool_not_found(pool_id);
        return {};
    });
    if (written.ok()) impl_->triggers.insert_or_assign(std::string(pool_id), std::move(sync_trigger));
    return written;
}

Result<std::string> SqliteStorage::sync_trigger(std::string_view pool_id) const {
    std::lock_guard lock(impl_->triggers_mutex);
    if (const auto it = impl_->triggers.find(pool_id); it != impl_->triggers.end()) return it->second;
    auto setting = impl_->read([&](sqlite::Database& db) -> Result<std::string> {
        sqlite::StatementScope select(
            db.cached("SELECT COALESCE(json_extract(cognito_events, '$.SyncTrigger'), '') FROM "
                      "identity_pools WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return pool_not_found(pool_id);
        return select->column_string(0);
    });
    if (setting.ok()) impl_->triggers.insert_or_assign(std::string(pool_id), *setting);
    return setting;
}

Result<std::map<std::string, WireRecord>> SqliteStorage::stored_records(
    std::string_view identity_id, std::string_view dataset, const std::vector<std::string>& keys) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::map<std::string, WireRecord>> {
        std::map<std::string, WireRecord> records;
        for (const auto& key : keys) {
            sqlite::StatementScope select(
                db.cached("SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                          "device_last_modified_date FROM records "
                          "WHERE identity_id = ?1 AND dataset_name = ?2 AND key = ?3"));
            select->bind(1, identity_id).bind(2, dataset).bind(3, key);
            if (select->step()) {
                records.emplace(key, WireRecord{select->column_string(0), select->column_optional_string(1),
                                                select->column_int64(2), select->column_int64(3),
                                                select->column_string(4), select->column_int64(5)});
            }
        }
        return records;
    });
}

Result<BulkPublishDetails> SqliteStorage::bulk_publish_details(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<BulkPublishDetails> {
        sqlite::StatementScope select(
            db.cached("SELECT bulk_publish_status, bulk_publish_started, bulk_publish_completed, "
                      "bulk_publish_failure FROM identity_pools WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return pool_not_found(pool_id);
        BulkPublishDetails details;
        details.status = select->column_string(0);
        if (!select->column_is_null(1)) details.started = select->column_int64(1);
        if (!select->column_is_null(2)) details.completed = select->column_int64(2);
        details.failure = select->column_string(3);
        return details;
    });
}

Result<BulkPublishStart> SqliteStorage::begin_bulk_publish(std::string_view pool_id, EpochMillis now) {
    constexpr EpochMillis kOncePerMs = 24 * 60 * 60 * 1000;
    return impl_->write([&](sqlite::Database& db) -> Result<BulkPublishStart> {
        sqlite::StatementScope select(db.cached(
            "SELECT bulk_publish_status, bulk_publish_completed FROM identity_pools WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return pool_not_found(pool_id);
        const std::string status = select->column_string(0);
        if (status == "IN_PROGRESS") return BulkPublishStart::in_progress;
        if (status == "SUCCEEDED" && !select->column_is_null(1) && select->column_int64(1) > now - kOncePerMs)
            return BulkPublishStart::already_streamed;
        sqlite::StatementScope update(db.cached(
            "UPDATE identity_pools SET bulk_publish_status = 'IN_PROGRESS', bulk_publish_started = ?2, "
            "bulk_publish_completed = NULL, bulk_publish_failure = '' WHERE pool_id = ?1"));
        update->bind(1, pool_id).bind(2, now).run();
        return BulkPublishStart::started;
    });
}

Result<std::optional<DatasetKey>> SqliteStorage::publish_datasets(std::string_view pool_id,
                                                                  const std::optional<DatasetKey>& after,
                                                                  std::int64_t limit, EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Result<std::optional<DatasetKey>> {
        {
            sqlite::StatementScope running(db.cached(
                "SELECT bulk_publish_status = 'IN_PROGRESS' FROM identity_pools WHERE pool_id = ?1"));
            running->bind(1, pool_id);
            if (!running->step()) return pool_not_found(pool_id);
            if (running->column_int64(0) == 0) return bulk_publish_not_in_progress(pool_id);
        }
        std::vector<std::pair<DatasetKey, std::int64_t>> datasets;  // with their sync counts
        {
            sqlite::StatementScope select(
                db.cached("SELECT d.identity_id, d.name, d.sync_count FROM datasets d JOIN identities i ON "
                          "d.identity_id = i.identity_id WHERE i.pool_id = ?1 AND d.exists_now = 1 AND "
                          "(d.identity_id, d.name) > (?2, ?3) ORDER BY d.identity_id, d.name LIMIT ?4"));
            const DatasetKey start = after.value_or(DatasetKey{});  // bound values must outlive the step
            select->bind(1, pool_id).bind(2, start.identity_id).bind(3, start.name);
            select->bind(4, limit);
            while (select->step()) {
                datasets.push_back({DatasetKey{select->column_string(0), select->column_string(1)},
                                    select->column_int64(2)});
            }
        }
        for (const auto& [dataset, sync_count] : datasets) {
            std::vector<WireRecord> live;
            sqlite::StatementScope records(
                db.cached("SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                          "device_last_modified_date "
                          "FROM records WHERE identity_id = ?1 AND dataset_name = ?2 AND value IS NOT NULL "
                          "ORDER BY key"));
            records->bind(1, dataset.identity_id).bind(2, dataset.name);
            while (records->step()) {
                live.push_back(WireRecord{records->column_string(0), records->column_optional_string(1),
                                          records->column_int64(2), records->column_int64(3),
                                          records->column_string(4), records->column_int64(5)});
            }
            insert_stream_record(
                db, kDatasetChangesStream, dataset.identity_id,
                dataset_change_event(pool_id, dataset.identity_id, dataset.name, sync_count, now, live), now);
        }
        if (datasets.empty()) return std::optional<DatasetKey>();
        return std::optional<DatasetKey>(datasets.back().first);
    });
}

Status SqliteStorage::finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Status {
        sqlite::StatementScope update(db.cached(
            "UPDATE identity_pools SET bulk_publish_status = ?2, bulk_publish_completed = ?3, "
            "bulk_publish_failure = ?4 WHERE pool_id = ?1 AND bulk_publish_status = 'IN_PROGRESS'"));
        update->bind(1, pool_id).bind(2, failure.ok() ? "SUCCEEDED" : "FAILED").bind(3, now);
        update->bind(4, failure.ok() ? std::string() : failure.message()).run();
        return {};
    });
}

Status SqliteStorage::fail_interrupted_bulk_publishes(EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Status {
        sqlite::StatementScope update(db.cached(
            "UPDATE identity_pools SET bulk_publish_status = 'FAILED', bulk_publish_completed = ?1, "
            "bulk_publish_failure = 'interrupted: the server stopped before it finished' "
            "WHERE bulk_publish_status = 'IN_PROGRESS'"));
        update->bind(1, now).run();
        return {};
    });
}

Result<std::string> SqliteStorage::register_device(std::string_view identity_id, std::string_view platform,
                                                   std::string_view token, EpochMillis now) {
    if (Status s = validate_device_registration(platform, token); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) -> Result<std::string> {
        sqlite::StatementScope existing(db.cached(
            "SELECT device_id FROM devices WHERE identity_id = ?1 AND platform = ?2 AND token = ?3"));
        existing->bind(1, identity_id).bind(2, platform).bind(3, token);
        if (existing->step()) return existing->column_string(0);
        const std::string device_id = new_device_id();
        sqlite::StatementScope insert(
            db.cached("INSERT INTO devices (device_id, identity_id, platform, token, created) VALUES (?1, "
                      "?2, ?3, ?4, ?5)"));
        insert->bind(1, device_id).bind(2, identity_id).bind(3, platform).bind(4, token).bind(5, now).run();
        return device_id;
    });
}

namespace {
bool device_belongs_to(sqlite::Database& db, std::string_view device_id, std::string_view identity_id) {
    sqlite::StatementScope owner(
        db.cached("SELECT 1 FROM devices WHERE device_id = ?1 AND identity_id = ?2"));
    owner->bind(1, device_id).bind(2, identity_id);
    return owner->step();
}
}  // namespace

Status SqliteStorage::subscribe(std::string_view identity_id, std::string_view dataset,
                                std::string_view device_id) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) {
        if (!device_belongs_to(db, device_id, identity_id)) return device_not_registered(device_id);
        sqlite::StatementScope insert(
            db.cached("INSERT INTO subscriptions (identity_id, dataset_name, device_id) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT DO NOTHING"));
        insert->bind(1, identity_id).bind(2, dataset).bind(3, device_id).run();
        return Status{};
    });
}

Status SqliteStorage::unsubscribe(std::string_view identity_id, std::string_view dataset,
                                  std::string_view device_id) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) {
        if (!device_belongs_to(db, device_id, identity_id)) return device_not_registered(device_id);
        sqlite::StatementScope erase(db.cached(
            "DELETE FROM subscriptions WHERE identity_id = ?1 AND dataset_name = ?2 AND device_id = ?3"));
        erase->bind(1, identity_id).bind(2, dataset).bind(3, device_id).run();
        return Status{};
    });
}

Result<std::string> SqliteStorage::device_owner(std::string_view device_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::string> {
        sqlite::StatementScope select(db.cached("SELECT identity_id FROM devices WHERE device_id = ?1"));
        select->bind(1, device_id);
        if (!select->step()) return device_unknown(device_id);
        return select->column_string(0);
    });
}

Result<std::vector<StreamRecord>> SqliteStorage::read_all_streams(std::int64_t after_seq,
                                                                  std::int64_t limit) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<StreamRecord>> {
        sqlite::StatementScope select(
            db.cached("SELECT seq, stream, partition_key, data, created FROM stream_records WHERE seq > ?1 "
                      "ORDER BY seq LIMIT ?2"));
        select->bind(1, after_seq).bind(2, limit);
        return stream_records_of(*select);
    });
}

Result<std::int64_t> SqliteStorage::append_stream(std::string_view stream, std::string_view partition_key,
                                                  std::string_view data, EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Result<std::int64_t> {
        return insert_stream_record(db, stream, partition_key, data, now);
    });
}

Result<std::int64_t> SqliteStorage::count_records() const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::int64_t> {
        sqlite::StatementScope select(
            db.cached("SELECT COALESCE(SUM(num_records), 0) FROM datasets WHERE exists_now = 1"));
        select->step();
        return select->column_int64(0);
    });
}

Result<std::int64_t> SqliteStorage::last_stream_seq() const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::int64_t> {
        sqlite::StatementScope select(db.cached("SELECT COALESCE(MAX(seq), 0) FROM stream_records"));
        select->step();
        return select->column_int64(0);
    });
}

namespace {

// One integer from a query of the stream's records (?1 stream, ?2 a number), or 0 when none.
std::int64_t stream_integer(sqlite::Database& db, const char* sql, std::string_view stream, std::int64_t n) {
    sqlite::StatementScope select(db.cached(sql));
    select->bind(1, stream).bind(2, n);
    return select->step() && !select->column_is_null(0) ? select->column_int64(0) : 0;
}

// The stream's records with seq in (from, through].
std::int64_t count_between(sqlite::Database& db, std::string_view stream, std::int64_t from,
                           std::int64_t through) {
    sqlite::StatementScope count(
        db.cached("SELECT count(*) FROM stream_records WHERE stream = ?1 AND seq > ?2 AND seq <= ?3"));
    count->bind(1, stream).bind(2, from).bind(3, through);
    return count->step() ? count->column_int64(0) : 0;
}

}  // namespace

Result<RetentionPass> SqliteStorage::prune_streams(const RetentionLimits& limits) {
    return impl_->write([&](sqlite::Database& db) -> Result<RetentionPass> {
        RetentionPass pass;
        std::vector<std::string> streams;
        {
            sqlite::StatementScope names(db.cached("SELECT DISTINCT stream FROM stream_records"));
            while (names->step())
                streams.push_back(names->column_string(0));
        }
        // The newest record beyond the newest n, through the (stream, seq) index.
        const char* kBeyondNewest =
            "SELECT seq FROM stream_records WHERE stream = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2";
        for (const auto& stream : streams) {
            std::int64_t soft = 0;  // the soft limits drop the stream's records up to here
            if (limits.max_per_stream > 0)
                soft = stream_integer(db, kBeyondNewest, stream, limits.max_per_stream);
            if (limits.oldest_kept > 0) {
                soft = std::max(soft, stream_integer(db,
                                                     "SELECT max(seq) FROM stream_records WHERE stream = ?1 "
                                                     "AND created < ?2",
                                                     stream, limits.oldest_kept));
            }
            const std::int64_t hard =
                limits.hard_max_per_stream > 0
                    ? stream_integer(db, kBeyondNewest, stream, limits.hard_max_per_stream)
                    : 0;
            // The stream's consumers, slowest first: its own groups and the data lake's "all".
            std::vector<std::pair<std::string, std::int64_t>> consumers;
            {
                sqlite::StatementScope select(db.cached(
                    "SELECT consumer_group, seq FROM stream_checkpoints WHERE stream IN (?1, 'all') "
                    "ORDER BY seq, consumer_group"));
                select->bind(1, stream);
                while (select->step())
                    consumers.emplace_back(select->column_string(0), select->column_int64(1));
            }
            std::int64_t cut = soft;
            if (!consumers.empty()) cut = std::min(cut, consumers.front().second);
            if (hard > cut) {
                for (const auto& [group, seq] : consumers) {
                    if (seq >= hard) break;
                    pass.unread.push_back({stream, group, seq, count_between(db, stream, seq, hard), hard});
                }
                cut = hard;
            }
            if (soft > cut) {
                pass.held.push_back({stream, consumers.front().first, consumers.front().second,
                                     count_between(db, stream, cut, soft)});
            }
            if (cut <= 0) continue;
            const std::int64_t last = stream_integer(
                db, "SELECT max(seq) FROM stream_records WHERE stream = ?1 AND seq <= ?2", stream, cut);
            if (last == 0) continue;
            sqlite::StatementScope drop(
                db.cached("DELETE FROM stream_records WHERE stream = ?1 AND seq <= ?2"));
            drop->bind(1, stream).bind(2, last).run();
            pass.dropped += db.changes();
            sqlite::StatementScope trim(db.cached(
                "INSERT INTO stream_trims (stream, through_seq) VALUES (?1, ?2) ON CONFLICT (stream) "
                "DO UPDATE SET through_seq = max(through_seq, excluded.through_seq)"));
            trim->bind(1, stream).bind(2, last).run();
        }
        return pass;
    });
}

Result<std::int64_t> SqliteStorage::trimmed_through(std::string_view stream) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::int64_t> {
        sqlite::StatementScope select(db.cached("SELECT through_seq FROM stream_trims WHERE stream = ?1"));
        select->bind(1, stream);
        return select->step() ? select->column_int64(0) : 0;
    });
}

Result<bool> SqliteStorage::remove_checkpoint(std::string_view stream, std::string_view group) {
    return impl_->write([&](sqlite::Database& db) -> Result<bool> {
        sqlite::StatementScope drop(
            db.cached("DELETE FROM stream_checkpoints WHERE stream = ?1 AND consumer_group = ?2"));
        drop->bind(1, stream).bind(2, group).run();
        return db.changes() > 0;
    });
}

Result<std::int64_t> SqliteStorage::checkpoint(std::string_view stream, std::string_view group) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::int64_t> {
        sqlite::StatementScope select(
            db.cached("SELECT seq FROM stream_checkpoints WHERE stream = ?1 AND consumer_group = ?2"));
        select->bind(1, stream).bind(2, group);
        return select->step() ? select->column_int64(0) : 0;
    });
}

Status SqliteStorage::set_checkpoint(const Checkpoint& position, EpochMillis now) {
    if (position.seq < 0) return invalid("SequenceNumber must not be negative");
    return impl_->write([&](sqlite::Database& db) {
        store_checkpoint(db, position, now);
        return Status{};
    });
}

// The file is one server's (its lock): that server leads every role, and the lease never changes hands.
Result<std::optional<std::int64_t>> SqliteStorage::take_lease(std::string_view, std::chrono::milliseconds) {
    return std::optional<std::int64_t>{1};
}

Status SqliteStorage::release_lease(std::string_view) {
    return {};
}

Result<std::string> SqliteStorage::server_secret() {
    return impl_->write([&](sqlite::Database& db) -> Result<std::string> {
        sqlite::StatementScope select(db.cached("SELECT value FROM server_meta WHERE name = 'secret'"));
        if (select->step()) return select->column_string(0);
        std::string secret = random_hex(32);
        sqlite::StatementScope insert(
            db.cached("INSERT INTO server_meta (name, value) VALUES ('secret', ?1)"));
        insert->bind(1, secret).run();
        return secret;
    });
}

}  // namespace synclatch::server
