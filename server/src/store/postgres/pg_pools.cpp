// PgStorage's pools: those of the server's options and those made through the API, their configuration,
// Cognito Events and SyncTrigger setting.
#include "store/postgres/pg_identity_deletion.hpp"
#include "store/postgres/pg_limit.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

Status PgStorage::ensure_pool(std::string_view pool_id, EpochMillis now) {
    if (Status s = core::validate_identity_pool_id(pool_id); !s.ok()) return s;
    return impl_->write([&](PgConnection& tx) {
        return tx
            .exec(
                "INSERT INTO identity_pools (pool_id, created, last_modified) "
                "VALUES ($1, $2::bigint, $2::bigint) ON CONFLICT DO NOTHING",
                {pool_id, now})
            .status();
    });
}

bool PgStorage::pool_exists(std::string_view pool_id) const {
    auto found = impl_->read([&](PgConnection& tx) -> Result<bool> {
        auto row = tx.exec("SELECT 1 FROM identity_pools WHERE pool_id = $1", {pool_id});
        if (!row) return row.status();
        return row->rows() > 0;
    });
    return found.ok() && *found;
}

Status PgStorage::create_pool(std::string_view pool_id, std::string_view definition, EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Status {
        // A concurrent creation of the same id waits here for the first one's commit, then inserts nothing.
        auto pool = tx.exec(
            "INSERT INTO identity_pools (pool_id, created, last_modified) VALUES ($1, $2::bigint, "
            "$2::bigint) "
            "ON CONFLICT DO NOTHING",
            {pool_id, now});
        if (!pool) return pool.status();
        if (pool->affected_rows() == 0) {
            std::string message = "IdentityPool '";
            message.append(pool_id).append("' exists already.");
            return {Errc::conflict, std::move(message)};
        }
        return tx
            .exec("INSERT INTO identity_pool_definitions (pool_id, definition) VALUES ($1, $2)",
                  {pool_id, definition})
            .status();
    });
}

Result<std::optional<std::string>> PgStorage::pool_definition(std::string_view pool_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::optional<std::string>> {
        auto row = tx.exec(
            "SELECT d.definition FROM identity_pools p LEFT JOIN identity_pool_definitions d USING (pool_id) "
            "WHERE p.pool_id = $1",
            {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        return row->optional_text(0, 0);
    });
}

Result<std::int64_t> PgStorage::count_api_pools() const {
    return impl_->read([&](PgConnection& tx) -> Result<std::int64_t> {
        auto row = tx.exec("SELECT count(*) FROM identity_pool_definitions");
        if (!row) return row.status();
        return row->int64(0, 0);
    });
}

Result<std::vector<std::pair<std::string, std::string>>> PgStorage::pool_definitions() const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<std::pair<std::string, std::string>>> {
        auto rows = tx.exec(
            "SELECT pool_id, definition FROM identity_pool_definitions ORDER BY pool_id COLLATE \"C\"");
        if (!rows) return rows.status();
        std::vector<std::pair<std::string, std::string>> all;
        for (int row = 0; row < rows->rows(); ++row)
            all.emplace_back(std::string(rows->text(row, 0)), std::string(rows->text(row, 1)));
        return all;
    });
}

Status PgStorage::update_pool_definition(std::string_view pool_id, std::string_view definition,
                                         EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Status {
        auto written = tx.exec("UPDATE identity_pool_definitions SET definition = $2 WHERE pool_id = $1",
                               {pool_id, definition});
        if (!written) return written.status();
        if (written->affected_rows() == 0) return pool_not_found(pool_id);
        return tx
            .exec("UPDATE identity_pools SET last_modified = $2::bigint WHERE pool_id = $1", {pool_id, now})
            .status();
    });
}

Result<std::vector<ListedPool>> PgStorage::list_pools(std::string_view after, std::size_t limit) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<ListedPool>> {
        auto rows = tx.exec(
            "SELECT p.pool_id, d.definition FROM identity_pools p LEFT JOIN identity_pool_definitions d "
            "USING (pool_id) WHERE p.pool_id COLLATE \"C\" > $1 ORDER BY p.pool_id COLLATE \"C\" "
            "LIMIT $2::bigint",
            {after, pg_limit(limit)});
        if (!rows) return rows.status();
        std::vector<ListedPool> page;
        for (int row = 0; row < rows->rows(); ++row)
            page.push_back(ListedPool{std::string(rows->text(row, 0)), rows->optional_text(row, 1)});
        return page;
    });
}

Status PgStorage::delete_pool(std::string_view pool_id) {
    Status deleted = impl_->write([&](PgConnection& tx) -> Status {
        // The pool's row first: identities made in it meanwhile wait for this, then find no pool
        // (pg_insert_identity).
        auto pool = tx.exec(
            "SELECT 1 FROM identity_pools p JOIN identity_pool_definitions d USING (pool_id) "
            "WHERE p.pool_id = $1 FOR UPDATE OF p",
            {pool_id});
        if (!pool) return pool.status();
        if (pool->rows() == 0) return pool_not_found(pool_id);
        if (Status s = pg_delete_identities_of_pool(tx, pool_id); !s) return s;
        if (auto run = tx.exec("DELETE FROM import_runs WHERE pool_id = $1", {pool_id}); !run)
            return run.status();
        if (auto definition = tx.exec("DELETE FROM identity_pool_definitions WHERE pool_id = $1", {pool_id});
            !definition)
            return definition.status();
        return tx.exec("DELETE FROM identity_pools WHERE pool_id = $1", {pool_id}).status();
    });
    if (deleted) {
        std::lock_guard lock(impl_->sync_triggers_mutex);
        if (auto cached = impl_->sync_triggers.find(pool_id); cached != impl_->sync_triggers.end())
            impl_->sync_triggers.erase(cached);
    }
    return deleted;
}

Result<std::string> PgStorage::pool_configuration(std::string_view pool_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::string> {
        auto row = tx.exec("SELECT configuration FROM identity_pools WHERE pool_id = $1", {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        return std::string(row->text(0, 0));
    });
}

Result<std::string> PgStorage::update_pool_configuration(std::string_view pool_id,
                                                         const ConfigurationMerge& merge) {
    return impl_->write([&](PgConnection& tx) -> Result<std::string> {
        // Locked until the commit: a concurrent update (of any server) merges into what this one stores.
        auto row =
            tx.exec("SELECT configuration FROM identity_pools WHERE pool_id = $1 FOR UPDATE", {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        auto merged = merge(row->text(0, 0));
        if (!merged) return merged.status();
        if (auto stored = tx.exec("UPDATE identity_pools SET configuration = $2 WHERE pool_id = $1",
                                  {pool_id, *merged});
            !stored)
            return stored.status();
        return merged;
    });
}

Result<std::string> PgStorage::cognito_events(std::string_view pool_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::string> {
        auto row = tx.exec("SELECT cognito_events FROM identity_pools WHERE pool_id = $1", {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        return std::string(row->text(0, 0));
    });
}

Status PgStorage::set_cognito_events(std::string_view pool_id, std::string_view events_json,
                                     std::string sync_trigger) {
    // Under the cache's lock from before the write until the cache holds it: a concurrent first read of
    // the setting on this server cannot put the old value back.
    std::lock_guard lock(impl_->sync_triggers_mutex);
    Status written = impl_->write([&](PgConnection& tx) -> Status {
        auto updated = tx.exec("UPDATE identity_pools SET cognito_events = $2 WHERE pool_id = $1",
                               {pool_id, events_json});
        if (!updated) return updated.status();
        if (updated->affected_rows() == 0) return pool_not_found(pool_id);
        return {};
    });
    if (written) {
        if (impl_->sync_triggers.size() >= Impl::kMaxCachedSyncTriggers) impl_->sync_triggers.clear();
        impl_->sync_triggers.insert_or_assign(
            std::string(pool_id),
            Impl::CachedSyncTrigger{std::move(sync_trigger), std::chrono::steady_clock::now()});
    }
    return written;
}

Result<std::string> PgStorage::sync_trigger(std::string_view pool_id) const {
    std::lock_guard lock(impl_->sync_triggers_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (const auto cached = impl_->sync_triggers.find(pool_id);
        cached != impl_->sync_triggers.end() && now - cached->second.read_at < kSyncTriggerStaleness)
        return cached->second.setting;
    auto setting = impl_->read([&](PgConnection& tx) -> Result<std::string> {
        auto row = tx.exec(
            "SELECT coalesce(cognito_events::jsonb ->> 'SyncTrigger', '') FROM identity_pools WHERE pool_id "
            "= $1",
            {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        return std::string(row->text(0, 0));
    });
    if (setting) {
        if (impl_->sync_triggers.size() >= Impl::kMaxCachedSyncTriggers) impl_->sync_triggers.clear();
        impl_->sync_triggers.insert_or_assign(std::string(pool_id), Impl::CachedSyncTrigger{*setting, now});
    }
    return setting;
}

}  // namespace synclatch::server
