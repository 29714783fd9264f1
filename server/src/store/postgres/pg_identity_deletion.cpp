// The deletion of identities on PostgreSQL. Children go before the identity rows that they reference.
#include "store/postgres/pg_identity_deletion.hpp"

#include "store/postgres/pg_identity_rows.hpp"

namespace synclatch::server {

namespace {

// `identity_id IN (...)` of the identity $1 and every identity merged into it, directly or through others.
#define SYNCLATCH_PG_MERGED_FAMILY                                                            \
    " WHERE identity_id IN (WITH RECURSIVE family (identity_id) AS (SELECT $1::text UNION "   \
    "SELECT i.identity_id FROM identities i JOIN family f ON i.merged_into = f.identity_id) " \
    "SELECT identity_id FROM family)"

constexpr PgSql kDeleteIdentity[] = {
    "DELETE FROM records" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM datasets" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM import_marks" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM credentials" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM subscriptions" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM devices" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM identity_logins" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM unlinked_providers" SYNCLATCH_PG_MERGED_FAMILY,
    "DELETE FROM identities" SYNCLATCH_PG_MERGED_FAMILY,
};
#undef SYNCLATCH_PG_MERGED_FAMILY

// Merged identities are of their survivor's pool: the pool's identities are the whole family.
#define SYNCLATCH_PG_OF_POOL " WHERE identity_id IN (SELECT identity_id FROM identities WHERE pool_id = $1)"

constexpr PgSql kDeletePoolIdentities[] = {
    "DELETE FROM records" SYNCLATCH_PG_OF_POOL,       "DELETE FROM datasets" SYNCLATCH_PG_OF_POOL,
    "DELETE FROM import_marks" SYNCLATCH_PG_OF_POOL,  "DELETE FROM credentials" SYNCLATCH_PG_OF_POOL,
    "DELETE FROM subscriptions" SYNCLATCH_PG_OF_POOL, "DELETE FROM devices" SYNCLATCH_PG_OF_POOL,
    "DELETE FROM identity_logins WHERE pool_id = $1", "DELETE FROM unlinked_providers" SYNCLATCH_PG_OF_POOL,
    "DELETE FROM identities WHERE pool_id = $1",
};
#undef SYNCLATCH_PG_OF_POOL

}  // namespace

Result<bool> pg_delete_identity(PgConnection& tx, std::string_view identity_id) {
    auto identity = pg_load_identity(tx, identity_id, true);
    if (!identity) return identity.status();
    if (!*identity || (*identity)->merged_into) return false;
    for (const PgSql& statement : kDeleteIdentity)
        if (auto deleted = tx.exec(statement, {identity_id}); !deleted) return deleted.status();
    return true;
}

Status pg_delete_identities_of_pool(PgConnection& tx, std::string_view pool_id) {
    // Locked in id order first, as every locker of several identities does: a merge or sign-in of the pool
    // in flight finishes before, or finds its identities gone after.
    if (auto locked = tx.exec(
            "SELECT 1 FROM identities WHERE pool_id = $1 ORDER BY identity_id COLLATE \"C\" FOR UPDATE",
            {pool_id});
        !locked)
        return locked.status();
    for (const PgSql& statement : kDeletePoolIdentities)
        if (auto deleted = tx.exec(statement, {pool_id}); !deleted) return deleted.status();
    return {};
}

}  // namespace synclatch::server
