// SqliteStorage's ImportStorage: a Cognito identity pool written as the source had it (import_storage.hpp),
// each call one transaction on the writer. Records take this deployment's versions, as a client's write
// would, but no dataset-changes record is appended and no sync session counted.
#include <mutex>
#include <set>

#include "store/sqlite/identity_logins.hpp"
#include "store/sqlite/identity_rows.hpp"
#include "store/sqlite/record_writes.hpp"
#include "store/sqlite/sqlite_storage_impl.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace {

Status conflict(std::string message) {
    return {Errc::conflict, std::move(message)};
}

std::optional<ImportMark> load_mark(sqlite::Database& db, std::string_view identity_id,
                                    std::string_view dataset) {
    sqlite::StatementScope select(
        db.cached("SELECT source_last_modified, sync_count, dataset_exists FROM import_marks "
                  "WHERE identity_id = ?1 AND dataset_name = ?2"));
    select->bind(1, identity_id).bind(2, dataset);
    if (!select->step()) return std::nullopt;
    return ImportMark{select->column_int64(0), select->column_int64(1), select->column_int64(2) != 0};
}

void store_mark(sqlite::Database& db, std::string_view identity_id, std::string_view dataset,
                const ImportMark& mark) {
    sqlite::StatementScope upsert(db.cached(
        "INSERT INTO import_marks (identity_id, dataset_name, source_last_modified, sync_count, "
        "dataset_exists) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (identity_id, dataset_name) DO UPDATE SET "
        "source_last_modified = excluded.source_last_modified, sync_count = excluded.sync_count, "
        "dataset_exists = excluded.dataset_exists"));
    upsert->bind(1, identity_id).bind(2, dataset).bind(3, mark.source_last_modified).bind(4, mark.sync_count);
    upsert->bind(5, static_cast<std::int64_t>(mark.exists)).run();
}

// The identity a dataset is imported into: it exists and was not merged away.
Result<IdentityRow> importing_into(sqlite::Database& db, std::string_view identity_id) {
    auto identity = load_identity(db, identity_id);
    if (!identity || identity->merged) return identity_not_found(identity_id);
    return std::move(*identity);
}

// import_identity's work in the writer's transaction; says whether it made the identity.
Result<bool> write_identity(sqlite::Database& db, const ImportedIdentity& imported) {
    const std::string& id = imported.identity_id;
    {
        sqlite::StatementScope pool(db.cached("SELECT 1 FROM identity_pools WHERE pool_id = ?1"));
        pool->bind(1, imported.pool_id);
        if (!pool->step()) return pool_not_found(imported.pool_id);
    }
    const auto identity = load_identity(db, id);
    if (identity) {
        if (identity->pool_id != imported.pool_id)
            return conflict("identity " + id + " belongs to identity pool " + identity->pool_id + " here");
        if (identity->merged)
            return conflict("identity " + id + " was merged into " + identity->merged_into + " here");
        if (identity->disabled)
            return conflict("identity " + id + " is disabled here (its last login was unlinked)");
        sqlite::StatementScope touch(
            db.cached("UPDATE identities SET last_modified = max(last_modified, ?2) WHERE identity_id = ?1"));
        touch->bind(1, id).bind(2, imported.last_modified).run();
    } else {
        sqlite::StatementScope insert(db.cached(
            "INSERT INTO identities (identity_id, pool_id, created, last_modified) VALUES (?1, ?2, ?3, ?4)"));
        insert->bind(1, id).bind(2, imported.pool_id).bind(3, imported.created);
        insert->bind(4, imported.last_modified).run();
    }
    for (const auto& login : imported.logins) {
        const auto owner = owner_of(db, imported.pool_id, login);
        if (owner == id) continue;
        if (owner) {
            return conflict(login.provider + " login " + login.subject + " is linked to identity " + *owner +
                            " here");
        }
        // When the source linked it is not known: by its identity's last modification at the latest.
        sqlite::StatementScope link(
            db.cached("INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)"));
        link->bind(1, imported.pool_id).bind(2, login.provider).bind(3, login.subject).bind(4, id);
        link->bind(5, imported.last_modified).run();
    }
    // A provider the identity has a login of linked here (a catch-up run after link_imported_login) is
    // unlinked no more: kept again, it would let a second user of that provider link.
    for (const auto& provider : imported.unlinked_providers) {
        sqlite::StatementScope keep(db.cached(
            "INSERT INTO unlinked_providers (identity_id, provider) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 "
            "FROM identity_logins WHERE identity_id = ?1 AND provider = ?2) ON CONFLICT DO NOTHING"));
        keep->bind(1, id).bind(2, provider).run();
    }
    return !identity;
}

}  // namespace

Status SqliteStorage::import_identity(const ImportedIdentity& identity) {
    if (Status s = validate_imported_identity(identity); !s.ok()) return s;
    bool created = false;
    try {
        std::lock_guard lock(impl_->write_mutex);
        sqlite::Transaction tx(impl_->writer, sqlite::Transaction::Mode::immediate);
        auto written = write_identity(impl_->writer, identity);
        if (!written.ok()) return written.status();
        tx.commit();
        created = *written;
        // An identity deleted here lately and imported again is a new one: writes to it are no longer
        // refused (one that passed its check before the deletion lands on it, as one made now would).
        if (created) impl_->recently_retired.erase(identity.identity_id);
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
    if (created) impl_->pool_of_identity.insert_new(identity.identity_id, identity.pool_id);
    return {};
}

Result<std::optional<ImportMark>> SqliteStorage::import_mark(std::string_view identity_id,
                                                             std::string_view dataset) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<ImportMark>> {
        return load_mark(db, identity_id, dataset);
    });
}

Status SqliteStorage::import_dataset(const ImportedDataset& dataset) {
    if (Status s = validate_imported_dataset(dataset); !s.ok()) return s;
    const std::string& id = dataset.identity_id;
    const std::string& name = dataset.name;
    return impl_->write([&](sqlite::Database& db) -> Status {
        if (auto identity = importing_into(db, id); !identity.ok()) return identity.status();
        const auto row = load_dataset(db, id, name);
        if (Status s = check_import_target(name, row, load_mark(db, id, name)); !s.ok()) return s;
        if (!row || !row->exists) {
            sqlite::StatementScope count(
                db.cached("SELECT COUNT(*) FROM datasets WHERE identity_id = ?1 AND exists_now = 1"));
            count->bind(1, id);
            count->step();
            if (Status s = check_new_dataset(count->column_int64(0), impl_->limits); !s.ok()) return s;
        }
        DatasetUsage usage;
        for (const auto& record : dataset.records)
            usage.add(record.key, record.value);
        if (Status s = check_dataset_usage(usage, impl_->limits); !s.ok()) return s;

        // Keys stored now that the import leaves out are erased, as DeleteDataset erases them: a replicated
        // write of one, older than the import, is stale.
        bool erases = false;
        {
            std::set<std::string_view> imported;
            for (const auto& record : dataset.records)
                imported.insert(record.key);
            sqlite::StatementScope stored(
                db.cached("SELECT key FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
            stored->bind(1, id).bind(2, name);
            while (!erases && stored->step())
                erases = !imported.contains(stored->column_string(0));
        }
        DeploymentClock& clock = impl_->clock;
        if (erases) {
            remember_erasure(db, id, name, ++clock.value, impl_->deployment_id);
            clock.dirty = true;
        }
        {
            sqlite::StatementScope erase(
                db.cached("DELETE FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
            erase->bind(1, id).bind(2, name).run();
        }
        for (const auto& record : dataset.records) {
            // Latch open, as a client's write here: this deployment's next version.
            const std::int64_t version = ++clock.value;
            clock.dirty = true;
            sqlite::StatementScope insert(db.cached(
                "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
                "last_modified_by, device_last_modified_date, origin, version, origin_seq) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"));
            insert->bind(1, id).bind(2, name).bind(3, record.key).bind_optional(4, record.value);
            insert->bind(5, record.sync_count)
                .bind(6, record.last_modified_date)
                .bind(7, record.last_modified_by);
            insert->bind(8, record.device_last_modified_date).bind(9, impl_->deployment_id).bind(10, version);
            insert->run();
        }
        {
            sqlite::StatementScope upsert(db.cached(
                "INSERT INTO datasets (identity_id, name, sync_count, exists_now, deleted_at, creation_date, "
                "last_modified_date, last_modified_by, data_storage, num_records) "
                "VALUES (?1, ?2, ?3, 1, NULL, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT (identity_id, name) DO UPDATE SET sync_count = excluded.sync_count, exists_now "
                "= 1, "
                "deleted_at = NULL, creation_date = excluded.creation_date, "
                "last_modified_date = excluded.last_modified_date, last_modified_by = "
                "excluded.last_modified_by, "
                "data_storage = excluded.data_storage, num_records = excluded.num_records"));
            upsert->bind(1, id).bind(2, name).bind(3, dataset.sync_count).bind(4, dataset.creation_date);
            upsert->bind(5, dataset.last_modified_date).bind(6, dataset.last_modified_by);
            upsert->bind(7, usage.data_storage).bind(8, usage.num_records).run();
        }
        store_mark(db, id, name, ImportMark{dataset.last_modified_date, dataset.sync_count, true});
        persist_clock(db, clock);
        return {};
    });
}

Status SqliteStorage::remove_imported_dataset(std::string_view identity_id, std::string_view dataset,
                                              EpochMillis now) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](sqlite::Database& db) -> Status {
        if (auto identity = importing_into(db, identity_id); !identity.ok()) return identity.status();
        const auto row = load_dataset(db, identity_id, dataset);
        if (!has_dataset(row)) return {};  // nothing to remove
        if (Status s = check_import_target(dataset, row, load_mark(db, identity_id, dataset)); !s.ok())
            return s;
        if (row->exists) {
            // A deletion of this deployment's, latch open, as a client's DeleteDataset (but no event).
            DeploymentClock& clock = impl_->clock;
            const std::int64_t version = ++clock.value;
            clock.dirty = true;
            persist_clock(db, clock);
            erase_dataset_rows(db, identity_id, dataset, version, impl_->deployment_id, now);
        }
        store_mark(db, identity_id, dataset, ImportMark{0, row->sync_count, false});
        return Status{};
    });
}

Result<bool> SqliteStorage::link_imported_login(std::string_view identity_id, const Login& login,
                                                EpochMillis now) {
    if (login.provider.empty() || login.subject.empty())
        return Status{Errc::invalid_argument, "a login has a provider and a subject"};
    return impl_->write([&](sqlite::Database& db) -> Result<bool> {
        const auto identity = load_identity(db, identity_id);
        if (!identity || identity->merged) return identity_not_found(identity_id);
        if (identity->disabled) return identity_disabled(identity_id);
        {
            sqlite::StatementScope unlinked(
                db.cached("SELECT 1 FROM unlinked_providers WHERE identity_id = ?1 AND provider = ?2"));
            unlinked->bind(1, identity_id).bind(2, login.provider);
            if (!unlinked->step()) return false;
        }
        {
            // One linked since (by a sign-in) took the unlinked login's place: a second user is not linked.
            sqlite::StatementScope linked(
                db.cached("SELECT 1 FROM identity_logins WHERE identity_id = ?1 AND provider = ?2"));
            linked->bind(1, identity_id).bind(2, login.provider);
            if (linked->step()) return false;
        }
        if (const auto owner = owner_of(db, identity->pool_id, login)) {
            return conflict(login.provider + " login " + login.subject + " is linked to identity " + *owner +
                            " here");
        }
        {
            sqlite::StatementScope link(
                db.cached("INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)"));
            link->bind(1, identity->pool_id).bind(2, login.provider).bind(3, login.subject);
            link->bind(4, identity_id).bind(5, now).run();
        }
        {
            sqlite::StatementScope forget(
                db.cached("DELETE FROM unlinked_providers WHERE identity_id = ?1 AND provider = ?2"));
            forget->bind(1, identity_id).bind(2, login.provider).run();
        }
        sqlite::StatementScope touch(
            db.cached("UPDATE identities SET last_modified = ?2 WHERE identity_id = ?1"));
        touch->bind(1, identity_id).bind(2, now).run();
        return true;
    });
}

Result<std::vector<std::string>> SqliteStorage::unlinked_providers(std::string_view identity_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<std::string>> {
        std::vector<std::string> providers;
        sqlite::StatementScope select(
            db.cached("SELECT provider FROM unlinked_providers WHERE identity_id = ?1 ORDER BY provider"));
        select->bind(1, identity_id);
        while (select->step())
            providers.push_back(select->column_string(0));
        return providers;
    });
}

Result<std::optional<ImportRun>> SqliteStorage::import_run(std::string_view pool_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<ImportRun>> {
        sqlite::StatementScope select(
            db.cached("SELECT started, next_token, identities_done FROM import_runs WHERE pool_id = ?1"));
        select->bind(1, pool_id);
        if (!select->step()) return std::optional<ImportRun>();
        return std::optional<ImportRun>(
            ImportRun{select->column_int64(0), select->column_string(1), select->column_int64(2)});
    });
}

Status SqliteStorage::save_import_run(std::string_view pool_id, const std::optional<ImportRun>& run) {
    return impl_->write([&](sqlite::Database& db) -> Status {
        if (!run) {
            sqlite::StatementScope finished(db.cached("DELETE FROM import_runs WHERE pool_id = ?1"));
            finished->bind(1, pool_id).run();
            return {};
        }
        {
            sqlite::StatementScope pool(db.cached("SELECT 1 FROM identity_pools WHERE pool_id = ?1"));
            pool->bind(1, pool_id);
            if (!pool->step()) return pool_not_found(pool_id);
        }
        sqlite::StatementScope upsert(db.cached(
            "INSERT INTO import_runs (pool_id, started, next_token, identities_done) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (pool_id) DO UPDATE SET started = excluded.started, next_token = "
            "excluded.next_token, "
            "identities_done = excluded.identities_done"));
        upsert->bind(1, pool_id).bind(2, run->started).bind(3, run->next_token).bind(4, run->identities_done);
        upsert->run();
        return {};
    });
}

}  // namespace synclatch::server
