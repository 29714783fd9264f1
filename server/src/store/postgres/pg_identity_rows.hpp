// The identities and identity_logins tables on PostgreSQL, inside a caller's transaction: what an identity
// is, its logins, who holds a login, and new identities. Shared by the identity, sign-in, device and
// deletion code of PgStorage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/identity_storage.hpp"
#include "store/postgres/pg_connection.hpp"

namespace synclatch::server {

struct PgIdentityRow {
    std::string pool_id;
    std::optional<std::string> merged_into;  // merged into that identity: gone for good
    bool disabled = false;                   // its last login was unlinked: no one may act as it
    EpochMillis created = 0;
    EpochMillis last_modified = 0;
};

// The identity's row, nullopt when there is none. With lock, the row is locked FOR UPDATE until the
// transaction ends: what the caller decides from it holds until it commits, on every server.
Result<std::optional<PgIdentityRow>> pg_load_identity(PgConnection& tx, std::string_view identity_id,
                                                      bool lock);

// Locks the rows of these identities FOR UPDATE in id order, bytewise (the order every locker of several
// identities keeps, so that two of them never wait for each other); ids that name no identity are passed
// over.
Status pg_lock_identities(PgConnection& tx, std::vector<std::string> identity_ids);

// The identity's logins, by provider.
Result<std::vector<Login>> pg_logins_of(PgConnection& tx, std::string_view identity_id);

// The identity a login is linked to in a pool, if any.
Result<std::optional<std::string>> pg_owner_of(PgConnection& tx, std::string_view pool_id,
                                               const Login& login);

// Inserts a new identity of an existing pool; not_found for an unknown pool, also for one that a
// concurrent DeleteIdentityPool deletes (the pool row is share-locked until the caller commits).
Status pg_insert_identity(PgConnection& tx, std::string_view pool_id, std::string_view identity_id,
                          EpochMillis now);

}  // namespace synclatch::server
