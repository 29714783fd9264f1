// Identity rows and logins on PostgreSQL.
#include "store/postgres/pg_identity_rows.hpp"

#include <algorithm>

#include "store/storage_errors.hpp"

namespace synclatch::server {

namespace {

Result<std::optional<PgIdentityRow>> identity_of(const Result<PgResult>& row) {
    if (!row) return row.status();
    if (row->rows() == 0) return std::optional<PgIdentityRow>{};
    return std::optional<PgIdentityRow>{PgIdentityRow{std::string(row->text(0, 0)), row->optional_text(0, 1),
                                                      row->text(0, 2) == "t", row->int64(0, 3),
                                                      row->int64(0, 4)}};
}

}  // namespace

Result<std::optional<PgIdentityRow>> pg_load_identity(PgConnection& tx, std::string_view identity_id,
                                                      bool lock) {
    if (lock) {
        return identity_of(
            tx.exec("SELECT pool_id, merged_into, disabled_at IS NOT NULL, created, last_modified "
                    "FROM identities WHERE identity_id = $1 FOR UPDATE",
                    {identity_id}));
    }
    return identity_of(
        tx.exec("SELECT pool_id, merged_into, disabled_at IS NOT NULL, created, last_modified "
                "FROM identities WHERE identity_id = $1",
                {identity_id}));
}

Status pg_lock_identities(PgConnection& tx, std::vector<std::string> identity_ids) {
    std::sort(identity_ids.begin(), identity_ids.end());
    identity_ids.erase(std::unique(identity_ids.begin(), identity_ids.end()), identity_ids.end());
    for (const auto& identity : identity_ids) {
        if (auto locked = tx.exec("SELECT 1 FROM identities WHERE identity_id = $1 FOR UPDATE", {identity});
            !locked)
            return locked.status();
    }
    return {};
}

Result<std::vector<Login>> pg_logins_of(PgConnection& tx, std::string_view identity_id) {
    auto rows = tx.exec(
        "SELECT provider, subject FROM identity_logins WHERE identity_id = $1 ORDER BY provider COLLATE "
        "\"C\", subject COLLATE \"C\"",
        {identity_id});
    if (!rows) return rows.status();
    std::vector<Login> logins;
    for (int row = 0; row < rows->rows(); ++row)
        logins.push_back(Login{std::string(rows->text(row, 0)), std::string(rows->text(row, 1))});
    return logins;
}

Result<std::optional<std::string>> pg_owner_of(PgConnection& tx, std::string_view pool_id,
                                               const Login& login) {
    auto row = tx.exec(
        "SELECT identity_id FROM identity_logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
        {pool_id, login.provider, login.subject});
    if (!row) return row.status();
    if (row->rows() == 0) return std::optional<std::string>{};
    return std::optional<std::string>(std::string(row->text(0, 0)));
}

Status pg_insert_identity(PgConnection& tx, std::string_view pool_id, std::string_view identity_id,
                          EpochMillis now) {
    // FOR KEY SHARE waits for a DeleteIdentityPool in flight and then finds no pool, rather than failing
    // the foreign key.
    auto inserted = tx.exec(
        "INSERT INTO identities (identity_id, pool_id, created, last_modified) "
        "SELECT $1, pool_id, $3::bigint, $3::bigint FROM identity_pools WHERE pool_id = $2 FOR KEY SHARE",
        {identity_id, pool_id, now});
    if (!inserted) return inserted.status();
    if (inserted->affected_rows() == 0) return pool_not_found(pool_id);
    return {};
}

}  // namespace synclatch::server
