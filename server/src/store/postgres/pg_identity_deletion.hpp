// DeleteIdentities and DeleteIdentityPool on PostgreSQL: identities and everything they hold, gone for good,
// inside the caller's transaction.
#pragma once

#include <string_view>

#include "store/postgres/pg_connection.hpp"

namespace synclatch::server {

// Deletes identity `identity_id` with its datasets and records, logins, credentials, devices and
// subscriptions, import marks and unlinked providers, and the rows of the identities merged into it, and into
// those, and so on (their data moved into it: nothing else is left of them). The caller has locked the
// identity's row (pg_lock_identities) and commits. Says whether there was such an identity (a merged one
// counts as gone already: false). Events already in the streams stay until retention drops them
// (docs/identity.md).
Result<bool> pg_delete_identity(PgConnection& tx, std::string_view identity_id);

// The same for every identity of pool `pool_id`, and the pool's logins; the pool's own rows are the
// caller's to delete. The caller has locked the pool's row, so no identity is added meanwhile.
Status pg_delete_identities_of_pool(PgConnection& tx, std::string_view pool_id);

}  // namespace synclatch::server
