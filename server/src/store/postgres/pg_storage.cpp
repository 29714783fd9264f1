// PgStorage: opening (migrations, the deployment id), the server's secret and its signing keys; the rest of
// the engine is in the files pg_storage_impl.hpp names.
#include "store/postgres/pg_storage.hpp"

#include "store/postgres/pg_migrations.hpp"
#include "store/postgres/pg_signing_keys.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/random_ids.hpp"

namespace synclatch::server {

namespace {

// The database's deployment id: the one asked for (stored by the first server), the stored one, or a new
// random one. As on SQLite, a database keeps its first id for life.
Result<std::string> claim_deployment_id(PgConnection& conn, const std::string& wanted) {
    if (!wanted.empty()) {
        if (Status s = validate_deployment_id(wanted); !s.ok()) return s;
    }
    std::string candidate = wanted;
    if (candidate.empty()) {
        candidate = "d-";
        candidate += random_hex(6);
    }
    std::string stored;
    Status claimed = conn.transaction([&](PgConnection& tx) -> Status {
        auto row = tx.exec(
            "INSERT INTO server_meta (name, value) VALUES ('deployment_id', $1) "
            "ON CONFLICT (name) DO UPDATE SET value = server_meta.value RETURNING value",
            {candidate});
        if (!row) return row.status();
        stored = row->text(0, 0);
        return {};
    });
    if (!claimed) return claimed;
    if (!wanted.empty() && stored != wanted) {
        return Status{Errc::invalid_argument,
                      "this database belongs to deployment '" + stored + "', not '" + wanted +
                          "': a deployment id never changes (its records and events name it)"};
    }
    return stored;
}

}  // namespace

Result<std::unique_ptr<PgStorage>> PgStorage::open(const PgStorageOptions& options) {
    if (options.url.empty()) return Status{Errc::invalid_argument, "the PostgreSQL URL is empty"};
    if (options.max_connections < options.writers + 1) {
        return Status{Errc::invalid_argument,
                      "a PostgreSQL store needs more connections than group commit writers"};
    }
    try {
        auto impl = std::make_unique<Impl>(options);
        {
            auto lease = impl->pool.lease();
            if (!lease) return lease.status();
            if (Status migrated = pg_migrate(**lease, pg_server_migrations()); !migrated) return migrated;
            auto deployment = claim_deployment_id(**lease, options.deployment_id);
            if (!deployment) return deployment.status();
            impl->deployment_id = std::move(deployment).value();
        }
        return std::unique_ptr<PgStorage>(new PgStorage(std::move(impl)));
    } catch (const RandomnessUnavailable& e) {
        return Status{Errc::internal, e.what()};
    }
}

PgStorage::PgStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgStorage::~PgStorage() = default;

const SyncLimits& PgStorage::limits() const noexcept {
    return impl_->limits;
}

const std::string& PgStorage::deployment_id() const noexcept {
    return impl_->deployment_id;
}

ServerBus& PgStorage::bus() noexcept {
    return impl_->bus;
}

Result<std::string> PgStorage::server_secret() {
    // Made once for the whole database: the first server's insert wins, every other one reads it.
    const std::string candidate = random_hex(32);
    return impl_->write([&](PgConnection& tx) -> Result<std::string> {
        auto row = tx.exec(
            "INSERT INTO server_meta (name, value) VALUES ('secret', $1) "
            "ON CONFLICT (name) DO UPDATE SET value = server_meta.value RETURNING value",
            {candidate});
        if (!row) return row.status();
        return std::string(row->text(0, 0));
    });
}

Result<std::optional<StoredSigningKeys>> PgStorage::signing_keys() const {
    return impl_->read_one_statement([](PgConnection& conn) { return pg_read_signing_keys(conn); });
}

Result<StoredSigningKeys> PgStorage::adopt_signing_keys(const StoredSigningKeys& candidate) {
    return impl_->write([&](PgConnection& tx) {
        return pg_adopt_signing_keys(tx, candidate.current_pem, candidate.previous_pem);
    });
}

}  // namespace synclatch::server
