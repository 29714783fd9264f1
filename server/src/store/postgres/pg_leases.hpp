// Leader leases on PostgreSQL (table leader_leases): which server runs each processor, and the fencing
// that keeps a deposed one from writing after its successor started.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "store/postgres/pg_connection.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// Takes the role's lease for holder ("name/incarnation") when it is free, expired, holder's already (a
// renewal keeps the token) or its name's from an earlier incarnation (a restart; any change of hands adds
// one to the token), until ttl from now by PostgreSQL's clock, so that the servers' own
// clocks never decide. Returns the token, or nullopt while another holder's lease runs.
Result<std::optional<std::int64_t>> pg_take_lease(PgConnection& tx, std::string_view role,
                                                  std::string_view holder, std::chrono::milliseconds ttl);

// Ends holder's lease of role now, if it still holds it: the next server to ask takes it (a new token).
Status pg_release_lease(PgConnection& tx, std::string_view role, std::string_view holder);

// Inside the transaction that writes a checkpoint (and the events that go with it): ok when the checkpoint
// carries no lease, or the current token of its group's lease; Errc::conflict when the lease changed hands
// since. It locks the lease row FOR SHARE until the commit, so a successor's takeover (an UPDATE of the
// row) waits for this write, and this write, once the takeover committed, sees the new token.
Status pg_check_lease(PgConnection& tx, const Checkpoint& checkpoint);

}  // namespace synclatch::server
