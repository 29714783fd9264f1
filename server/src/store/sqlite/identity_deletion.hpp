// DeleteIdentities and DeleteIdentityPool: identities and everything they hold, gone for good, inside the
// writer's transaction.
#pragma once

#include <string_view>

#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

// Deletes identity `identity_id` with its datasets and records, logins, credentials, devices and
// subscriptions, import marks and unlinked providers, and the rows of the identities merged into it (their
// data moved into it, nothing else is left of them). The caller commits. Says whether there was such an
// identity (a merged one counts as gone already: false). Events already in the streams stay until retention
// drops them (docs/identity.md).
bool delete_identity(core::sqlite::Database& db, std::string_view identity_id);

// The same for every identity of pool `pool_id`, and the pool's logins; the pool's own rows are the
// caller's to delete.
void delete_identities_of_pool(core::sqlite::Database& db, std::string_view pool_id);

}  // namespace synclatch::server
