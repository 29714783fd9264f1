// PgStorage's ImportStorage: a Cognito identity pool written as the source had it (import_storage.hpp), each
// call one transaction. Locks as the record writes take them (pg_record_writes.hpp): the identity's row, then
// the dataset's, the latch floor last. Records take this deployment's versions, as a client's write would,
// but no dataset-changes record is appended and no sync session counted.
#include <set>

#include "store/postgres/pg_identity_rows.hpp"
#include "store/postgres/pg_record_writes.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

namespace {

Status conflict(std::string message) {
    return {Errc::conflict, std::move(message)};
}

Result<std::optional<ImportMark>> load_mark(PgConnection& tx, std::string_view identity_id,
                                            std::string_view dataset) {
    auto row = tx.exec(
        "SELECT source_last_modified, sync_count, dataset_exists FROM import_marks "
        "WHERE identity_id = $1 AND dataset_name = $2",
        {identity_id, dataset});
    if (!row) return row.status();
    if (row->rows() == 0) return std::optional<ImportMark>();
    return std::optional<ImportMark>(ImportMark{row->int64(0, 0), row->int64(0, 1), row->text(0, 2) == "t"});
}

Status store_mark(PgConnection& tx, std::string_view identity_id, std::string_view dataset,
                  const ImportMark& mark) {
    return tx
        .exec(
            "INSERT INTO import_marks (identity_id, dataset_name, source_last_modified, sync_count, "
            "dataset_exists) VALUES ($1, $2, $3::bigint, $4::bigint, $5::boolean) "
            "ON CONFLICT (identity_id, dataset_name) DO UPDATE SET "
            "source_last_modified = excluded.source_last_modified, sync_count = excluded.sync_count, "
            "dataset_exists = excluded.dataset_exists",
            {identity_id, dataset, mark.source_last_modified, mark.sync_count,
             mark.exists ? "true" : "false"})
        .status();
}

// The identity's row as import_identity may bring it up to date: of the pool, neither merged nor disabled.
Status check_imported_row(const PgIdentityRow& row, const ImportedIdentity& imported) {
    const std::string& id = imported.identity_id;
    if (row.pool_id != imported.pool_id)
        return conflict("identity " + id + " belongs to identity pool " + row.pool_id + " here");
    if (row.merged_into) return conflict("identity " + id + " was merged into " + *row.merged_into + " here");
    if (row.disabled) return conflict("identity " + id + " is disabled here (its last login was unlinked)");
    return {};
}

// Links the login to identity_id unless it is linked to it already; conflict when another identity has it.
Status link_login(PgConnection& tx, std::string_view pool_id, const Login& login,
                  std::string_view identity_id, EpochMillis linked) {
    // A concurrent sign-in linking it first is found below, rather than failing on the primary key.
    auto inserted = tx.exec(
        "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) "
        "VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT (pool_id, provider, subject) DO NOTHING",
        {pool_id, login.provider, login.subject, identity_id, linked});
    if (!inserted) return inserted.status();
    if (inserted->affected_rows() == 1) return {};
    auto owner = pg_owner_of(tx, pool_id, login);
    if (!owner) return owner.status();
    if (*owner == identity_id) return {};
    return conflict(login.provider + " login " + login.subject + " is linked to identity " +
                    owner->value_or("(none)") + " here");
}

// import_identity's work in its transaction.
Status write_identity(PgConnection& tx, const ImportedIdentity& imported) {
    const std::string& id = imported.identity_id;
    // FOR KEY SHARE: a DeleteIdentityPool in flight finishes first, and then the pool is not found.
    auto pool = tx.exec("SELECT 1 FROM identity_pools WHERE pool_id = $1 FOR KEY SHARE", {imported.pool_id});
    if (!pool) return pool.status();
    if (pool->rows() == 0) return pool_not_found(imported.pool_id);
    // Made unless it exists (a concurrent import of it waits here for the other's commit), then locked.
    auto inserted = tx.exec(
        "INSERT INTO identities (identity_id, pool_id, created, last_modified) "
        "VALUES ($1, $2, $3::bigint, $4::bigint) ON CONFLICT (identity_id) DO NOTHING",
        {id, imported.pool_id, imported.created, imported.last_modified});
    if (!inserted) return inserted.status();
    auto row = pg_load_identity(tx, id, true);
    if (!row) return row.status();
    if (!*row) return {Errc::internal, "identity " + id + " vanished while it was being imported"};
    if (inserted->affected_rows() == 0) {
        if (Status s = check_imported_row(**row, imported); !s) return s;
        auto touched = tx.exec(
            "UPDATE identities SET last_modified = greatest(last_modified, $2::bigint) WHERE identity_id = "
            "$1",
            {id, imported.last_modified});
        if (!touched) return touched.status();
    }
    // When the source linked them is not known: by the identity's last modification at the latest.
    for (const auto& login : imported.logins)
        if (Status s = link_login(tx, imported.pool_id, login, id, imported.last_modified); !s) return s;
    // A provider the identity has a login of linked here (a catch-up run after link_imported_login) is
    // unlinked no more: kept again, it would let a second user of that provider link.
    for (const auto& provider : imported.unlinked_providers) {
        auto kept = tx.exec(
            "INSERT INTO unlinked_providers (identity_id, provider) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 "
            "FROM identity_logins WHERE identity_id = $1 AND provider = $2) ON CONFLICT DO NOTHING",
            {id, provider});
        if (!kept) return kept.status();
    }
    return {};
}

// The dataset's row locked FOR UPDATE (nullopt: none); no placeholder is made for one that has none.
Result<std::optional<DatasetRow>> lock_dataset_if_any(PgConnection& tx, std::string_view identity_id,
                                                      std::string_view dataset) {
    auto rows =
        tx.exec("SELECT sync_count, exists_now FROM datasets WHERE identity_id = $1 AND name = $2 FOR UPDATE",
                {identity_id, dataset});
    if (!rows) return rows.status();
    if (rows->rows() == 0) return std::optional<DatasetRow>();
    DatasetRow row;
    row.sync_count = rows->int64(0, 0);
    row.exists = rows->text(0, 1) == "t";
    return std::optional<DatasetRow>(std::move(row));
}

// Whether the dataset holds a key that `dataset` leaves out.
Result<bool> erases_keys(PgConnection& tx, const ImportedDataset& dataset) {
    auto stored = tx.exec("SELECT key FROM records WHERE identity_id = $1 AND dataset_name = $2",
                          {dataset.identity_id, dataset.name});
    if (!stored) return stored.status();
    std::set<std::string_view> imported;
    for (const auto& record : dataset.records)
        imported.insert(record.key);
    for (int r = 0; r < stored->rows(); ++r)
        if (!imported.contains(stored->text(r, 0))) return true;
    return false;
}

// import_dataset's work in its transaction.
Status write_dataset(PgConnection& tx, const SyncLimits& limits, std::string_view deployment_id,
                     const ImportedDataset& dataset) {
    const std::string& id = dataset.identity_id;
    const std::string& name = dataset.name;
    if (auto pool = pg_lock_identity(tx, id); !pool) return pool.status();
    // pg_lock_dataset's placeholder (sync count 0, not existing) counts as no dataset: it is replaced below.
    auto row = pg_lock_dataset(tx, id, name, dataset.creation_date);
    if (!row) return row.status();
    auto mark = load_mark(tx, id, name);
    if (!mark) return mark.status();
    if (Status s = check_import_target(name, *row, *mark); !s) return s;
    if (!row->exists) {
        auto count = tx.exec("SELECT count(*) FROM datasets WHERE identity_id = $1 AND exists_now", {id});
        if (!count) return count.status();
        if (Status s = check_new_dataset(count->int64(0, 0), limits); !s) return s;
    }
    DatasetUsage usage;
    for (const auto& record : dataset.records)
        usage.add(record.key, record.value);
    if (Status s = check_dataset_usage(usage, limits); !s) return s;
    if (Status s = store_mark(tx, id, name, ImportMark{dataset.last_modified_date, dataset.sync_count, true});
        !s)
        return s;

    // Keys stored now that the import leaves out are erased, as DeleteDataset erases them: a replicated
    // write of one, older than the import, is stale. The floor passes the erased versions first, so that the
    // clock's next values (the imported records' versions) order after every one of them.
    auto erases = erases_keys(tx, dataset);
    if (!erases) return erases.status();
    if (Status s = pg_remember_erased_versions(tx, id, name); !s) return s;
    const std::size_t first = *erases ? 1 : 0;  // the erasure's reading, then the records'
    auto clock = pg_read_clock(tx, first + dataset.records.size());
    if (!clock) return clock.status();
    if (*erases) {
        if (Status s = pg_remember_erasure(tx, id, name, clock->front().version, deployment_id); !s) return s;
    }
    if (auto erased = tx.exec("DELETE FROM records WHERE identity_id = $1 AND dataset_name = $2", {id, name});
        !erased)
        return erased.status();
    for (std::size_t i = 0; i < dataset.records.size(); ++i) {
        const auto& record = dataset.records[i];
        // Latch open, as a client's write here: numbered by the deployment clock.
        const auto [origin_seq, version] = (*clock)[first + i];
        auto inserted = tx.exec(
            "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
            "last_modified_by, device_last_modified_date, origin, version, origin_seq) "
            "VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7, $8::bigint, $9, $10::bigint, $11::bigint)",
            {id, name, record.key, record.value, record.sync_count, record.last_modified_date,
             record.last_modified_by, record.device_last_modified_date, deployment_id, version, origin_seq});
        if (!inserted) return inserted.status();
    }
    // The row exists (pg_lock_dataset made it when there was none).
    return tx
        .exec(
            "UPDATE datasets SET sync_count = $3::bigint, exists_now = TRUE, deleted_at = NULL, "
            "creation_date = $4::bigint, last_modified_date = $5::bigint, last_modified_by = $6, "
            "data_storage = $7::bigint, num_records = $8::bigint WHERE identity_id = $1 AND name = $2",
            {id, name, dataset.sync_count, dataset.creation_date, dataset.last_modified_date,
             dataset.last_modified_by, usage.data_storage, usage.num_records})
        .status();
}

}  // namespace

Status PgStorage::import_identity(const ImportedIdentity& identity) {
    if (Status s = validate_imported_identity(identity); !s) return s;
    return impl_->write([&](PgConnection& tx) { return write_identity(tx, identity); });
}

Result<std::optional<ImportMark>> PgStorage::import_mark(std::string_view identity_id,
                                                         std::string_view dataset) const {
    return impl_->read_one_statement(
        [&](PgConnection& conn) { return load_mark(conn, identity_id, dataset); });
}

Status PgStorage::import_dataset(const ImportedDataset& dataset) {
    if (Status s = validate_imported_dataset(dataset); !s) return s;
    return impl_->write(
        [&](PgConnection& tx) { return write_dataset(tx, impl_->limits, impl_->deployment_id, dataset); });
}

Status PgStorage::remove_imported_dataset(std::string_view identity_id, std::string_view dataset,
                                          EpochMillis now) {
    if (Status s = core::validate_dataset_name(dataset); !s) return s;
    return impl_->write([&](PgConnection& tx) -> Status {
        if (auto pool = pg_lock_identity(tx, identity_id); !pool) return pool.status();
        auto row = lock_dataset_if_any(tx, identity_id, dataset);
        if (!row) return row.status();
        if (!has_dataset(*row)) return {};  // nothing to remove
        auto mark = load_mark(tx, identity_id, dataset);
        if (!mark) return mark.status();
        if (Status s = check_import_target(dataset, *row, *mark); !s) return s;
        if (Status s = store_mark(tx, identity_id, dataset, ImportMark{0, (*row)->sync_count, false}); !s)
            return s;
        if (!(*row)->exists) return {};
        // A deletion of this deployment's, latch open, as a client's DeleteDataset (but no event): its
        // version orders after every version of the dataset's keys (the floor raised first).
        if (Status s = pg_remember_erased_versions(tx, identity_id, dataset); !s) return s;
        auto clock = pg_read_clock(tx, 1);
        if (!clock) return clock.status();
        return pg_erase_dataset(tx, identity_id, dataset, clock->front().version, impl_->deployment_id, now);
    });
}

Result<bool> PgStorage::link_imported_login(std::string_view identity_id, const Login& login,
                                            EpochMillis now) {
    if (login.provider.empty() || login.subject.empty())
        return Status{Errc::invalid_argument, "a login has a provider and a subject"};
    return impl_->write([&](PgConnection& tx) -> Result<bool> {
        // Locked: two tokens of the provider presented at once link one of them, and the other finds none
        // left.
        auto identity = pg_load_identity(tx, identity_id, true);
        if (!identity) return identity.status();
        if (!*identity || (*identity)->merged_into) return identity_not_found(identity_id);
        if ((*identity)->disabled) return identity_disabled(identity_id);
        auto found = tx.exec(
            "SELECT EXISTS (SELECT 1 FROM unlinked_providers WHERE identity_id = $1 AND provider = $2), "
            "EXISTS (SELECT 1 FROM identity_logins WHERE identity_id = $1 AND provider = $2)",
            {identity_id, login.provider});
        if (!found) return found.status();
        // None kept, or a login of the provider linked since (by a sign-in) took its place: a second user of
        // the provider is not linked.
        if (found->text(0, 0) != "t" || found->text(0, 1) == "t") return false;
        if (Status s = link_login(tx, (*identity)->pool_id, login, identity_id, now); !s) return s;
        if (auto forgotten =
                tx.exec("DELETE FROM unlinked_providers WHERE identity_id = $1 AND provider = $2",
                        {identity_id, login.provider});
            !forgotten)
            return forgotten.status();
        if (auto touched = tx.exec("UPDATE identities SET last_modified = $2::bigint WHERE identity_id = $1",
                                   {identity_id, now});
            !touched)
            return touched.status();
        return true;
    });
}

Result<std::vector<std::string>> PgStorage::unlinked_providers(std::string_view identity_id) const {
    return impl_->read_one_statement([&](PgConnection& conn) -> Result<std::vector<std::string>> {
        auto rows = conn.exec(
            "SELECT provider FROM unlinked_providers WHERE identity_id = $1 ORDER BY provider COLLATE \"C\"",
            {identity_id});
        if (!rows) return rows.status();
        std::vector<std::string> providers;
        for (int r = 0; r < rows->rows(); ++r)
            providers.emplace_back(rows->text(r, 0));
        return providers;
    });
}

Result<std::optional<ImportRun>> PgStorage::import_run(std::string_view pool_id) const {
    return impl_->read_one_statement([&](PgConnection& conn) -> Result<std::optional<ImportRun>> {
        auto row = conn.exec(
            "SELECT started, next_token, identities_done FROM import_runs WHERE pool_id = $1", {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return std::optional<ImportRun>();
        return std::optional<ImportRun>(
            ImportRun{row->int64(0, 0), std::string(row->text(0, 1)), row->int64(0, 2)});
    });
}

Status PgStorage::save_import_run(std::string_view pool_id, const std::optional<ImportRun>& run) {
    return impl_->write([&](PgConnection& tx) -> Status {
        if (!run) return tx.exec("DELETE FROM import_runs WHERE pool_id = $1", {pool_id}).status();
        auto pool = tx.exec("SELECT 1 FROM identity_pools WHERE pool_id = $1 FOR KEY SHARE", {pool_id});
        if (!pool) return pool.status();
        if (pool->rows() == 0) return pool_not_found(pool_id);
        return tx
            .exec(
                "INSERT INTO import_runs (pool_id, started, next_token, identities_done) "
                "VALUES ($1, $2::bigint, $3, $4::bigint) ON CONFLICT (pool_id) DO UPDATE SET "
                "started = excluded.started, next_token = excluded.next_token, "
                "identities_done = excluded.identities_done",
                {pool_id, run->started, run->next_token, run->identities_done})
            .status();
    });
}

}  // namespace synclatch::server
