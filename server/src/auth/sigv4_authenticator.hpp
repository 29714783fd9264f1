// The --auth sigv4 Authenticator: verifies AWS Signature Version 4 (service cognito-sync, or
// cognito-identity for POST /: the developer's Cognito Identity calls) against the temporary credentials
// GetCredentialsForIdentity issued (a principal bound to that one identity) or the developer's admin key
// (a principal that may act on any identity and on pools).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "auth/admin_key.hpp"
#include "auth/authenticator.hpp"
#include "store/identity_storage.hpp"

namespace synclatch::server {

// stream_reader_keys: keys that may only read the event streams (a peer's bridge signs with one).
Authenticator make_sigv4_authenticator(IdentityStorage& store, std::optional<AdminKey> admin_key,
                                       std::vector<AdminKey> stream_reader_keys,
                                       std::function<EpochMillis()> clock);

}  // namespace synclatch::server
