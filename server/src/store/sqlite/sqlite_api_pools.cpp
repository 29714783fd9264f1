// SqliteStorage's pools made through the API: their definitions, and pool deletion, on the writer.
#include "store/sqlite/sqlite_storage.hpp"

#include "store/sqlite/identity_deletion.hpp"
#include "store/sqlite/sqlite_storage_impl.hpp"
#include "store/storage_errors.hpp"

namespace synclatch::server {

namespace {

bool has_definition(sqlite::Database& db, std::string_view pool_id) {
    sqlite::StatementScope select(db.cached("SELECT 1 FROM identity_pool_definitions WHERE pool_id = ?1"));
    select->bind(1, pool_id);
    return select->step();
}

}  // namespace

Status SqliteStorage::create_pool(std::string_view pool_id, std::string_view definition, EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Status {
        {
            sqlite::StatementScope insert(
                db.cached("INSERT INTO identity_pools (pool_id, created, last_modified) VALUES (?1, ?2, ?2) "
                          "ON CONFLICT DO NOTHING"));
            insert->bind(1, pool_id).bind(2, now).run();
            if (db.changes() == 0)
                return Status{Errc::conflict, "IdentityPool '" + std::string(pool_id) + "' exists already."};
        }
        sqlite::StatementScope insert(
            db.cached("INSERT INTO identity_pool_definitions (pool_id, definition) VALUES (?1, ?2)"));
        insert->bind(1, pool_id).bind(2, definition).run();
        return Status{};
    });
}

Result<std::optional<std::string>> SqliteStorage::pool_definition(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<std::string>> {
        sqlite::StatementScope select(
            db.cached("SELECT d.definition FROM identity_pools p LEFT JOIN identity_pool_definitions d USING "
                      "(pool_id) WHERE p.pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return pool_not_found(pool_id);
        return select->column_optional_string(0);
    });
}

Result<std::int64_t> SqliteStorage::count_api_pools() const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::int64_t> {
        sqlite::StatementScope select(db.cached("SELECT COUNT(*) FROM identity_pool_definitions"));
        select->step();
        return select->column_int64(0);
    });
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStorage::pool_definitions() const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<std::pair<std::string, std::string>>> {
        std::vector<std::pair<std::string, std::string>> all;
        sqlite::StatementScope select(
            db.cached("SELECT pool_id, definition FROM identity_pool_definitions ORDER BY pool_id"));
        while (select->step())
            all.emplace_back(select->column_string(0), select->column_string(1));
        return all;
    });
}

Status SqliteStorage::update_pool_definition(std::string_view pool_id, std::string_view definition,
                                             EpochMillis now) {
    return impl_->write([&](sqlite::Database& db) -> Status {
        if (!has_definition(db, pool_id)) return pool_not_found(pool_id);
        {
            sqlite::StatementScope write(
                db.cached("UPDATE identity_pool_definitions SET definition = ?2 WHERE pool_id = ?1"));
            write->bind(1, pool_id).bind(2, definition).run();
        }
        sqlite::StatementScope touch(
            db.cached("UPDATE identity_pools SET last_modified = ?2 WHERE pool_id = ?1"));
        touch->bind(1, pool_id).bind(2, now).run();
        return Status{};
    });
}

Result<std::vector<ListedPool>> SqliteStorage::list_pools(std::string_view after, std::size_t limit) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<ListedPool>> {
        std::vector<ListedPool> page;
        sqlite::StatementScope select(db.cached(
            "SELECT p.pool_id, d.definition FROM identity_pools p LEFT JOIN identity_pool_definitions "
            "d USING (pool_id) WHERE p.pool_id > ?1 ORDER BY p.pool_id LIMIT ?2"));
        select->bind(1, after).bind(2, static_cast<std::int64_t>(limit));
        while (select->step())
            page.push_back(ListedPool{select->column_string(0), select->column_optional_string(1)});
        return page;
    });
}

Status SqliteStorage::delete_pool(std::string_view pool_id) {
    try {
        std::lock_guard lock(impl_->write_mutex);
        sqlite::Transaction tx(impl_->writer, sqlite::Transaction::Mode::immediate);
        sqlite::Database& db = impl_->writer;
        if (!has_definition(db, pool_id)) return pool_not_found(pool_id);
        delete_identities_of_pool(db, pool_id);
        for (const char* sql : {"DELETE FROM import_runs WHERE pool_id = ?1",
                                "DELETE FROM identity_pool_definitions WHERE pool_id = ?1",
                                "DELETE FROM identity_pools WHERE pool_id = ?1"}) {
            sqlite::StatementScope statement(db.cached(sql));
            statement->bind(1, pool_id).run();
        }
        tx.commit();
        // Before any later write: one to an identity of the pool that was checked before now is refused.
        impl_->retire(std::string(pool_id));
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
    impl_->pool_of_identity.erase_if(
        [&](const std::string&, const std::string& pool) { return pool == pool_id; });
    impl_->credentials.erase_if([](const auto&, const auto&) { return true; });  // a cache: refilled on use
    std::lock_guard lock(impl_->triggers_mutex);
    impl_->triggers.erase(std::string(pool_id));
    return {};
}

}  // namespace synclatch::server
