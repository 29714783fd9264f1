// Logins linked to identities, and the decisions Cognito Identity makes with them (PROTOCOL.md §5,
// docs/identity.md), each inside the caller's write transaction so that two devices signing in at once
// cannot both make an identity for one user. Tokens are verified before any of this runs: a Login here is
// a proven fact.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/identity_storage.hpp"
#include "store/sqlite/identity_merge.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

// The identity's logins, by provider.
std::vector<Login> logins_of(core::sqlite::Database& db, std::string_view identity_id);
// The identity a login is linked to in a pool, if any.
std::optional<std::string> owner_of(core::sqlite::Database& db, std::string_view pool_id, const Login& login);

// GetId with logins: the identity they are linked to, to which those not linked yet are linked; or, when
// none is, a new identity with all of them. unauthorized when they lead to two identities, or when one
// would give an identity a second user of a provider it has a login of.
Result<SignIn> identity_for_logins(core::sqlite::Database& db, std::string_view pool_id,
                                   const std::vector<Login>& logins, EpochMillis now);

// GetCredentialsForIdentity and GetOpenIdToken: may the caller act as identity_id, given the logins it
// proved (and `proven`: it presented a token this server issued for identity_id)?
// - no logins: yes for a guest identity (the pool's AllowUnauthenticatedIdentities is the caller's to
//   check), or when proven; unauthorized for an identity with logins.
// - logins linked to it or to nobody: yes if it is a guest, proven, or one of them is its own; those
//   linked to nobody become its own.
// - a guest presenting logins that lead to one other identity: it is merged into that one (the answer
//   names the survivor), and the logins linked to nobody become the survivor's.
// - anything else (an authenticated identity presenting another's login, logins of two identities, a
//   second user of a provider): unauthorized. not_found for an identity that does not exist or was merged;
//   unauthorized for a disabled one.
// On an error the caller rolls back: nothing changes.
Result<SignIn> authorize_identity(core::sqlite::Database& db, DeploymentClock& clock,
                                  const SyncLimits& limits, std::string_view deployment_id,
                                  std::string_view identity_id, const std::vector<Login>& logins, bool proven,
                                  EpochMillis now);

// UnlinkIdentity and UnlinkDeveloperIdentity: removes the logins from identity_id, each of which must be
// linked to it (not_found naming the first that is not). An identity left without a login is disabled,
// as Cognito makes it inaccessible: its credentials are deleted and it can no longer be acted as. Says
// whether it was disabled.
Result<bool> unlink_logins(core::sqlite::Database& db, std::string_view identity_id,
                           const std::vector<Login>& logins, EpochMillis now);

}  // namespace synclatch::server
