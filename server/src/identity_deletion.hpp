// DeleteIdentities: an identity and everything it holds, gone for good, inside the writer's transaction.
#pragma once

#include <string_view>

#include "sqlite/database.hpp"

namespace synclatch::server {

// Deletes identity `identity_id` with its datasets and records, logins, credentials, devices and
// subscriptions, and the rows of the identities merged into it (their data moved into it, nothing else is
// left of them). The caller commits. Says whether there was such an identity (a merged one counts as
// gone already: false). Events already in the streams stay until retention drops them (docs/identity.md).
bool delete_identity(core::sqlite::Database& db, std::string_view identity_id);

}  // namespace synclatch::server
