// Taking and checking leader leases in one statement each.
#include "store/postgres/pg_leases.hpp"

#include <string>

namespace synclatch::server {

Result<std::optional<std::int64_t>> pg_take_lease(PgConnection& tx, std::string_view role,
                                                  std::string_view holder, std::chrono::milliseconds ttl) {
    // The row is updated only when this holder has it, this server had it before a restart (the same
    // name before the '/': pg_server_name), or it expired; no row back: another holder's lease runs. Times
    // are ms since the epoch by the database's clock.
    auto taken = tx.exec(
        "INSERT INTO leader_leases AS lease (role, holder, token, expires_at) "
        "VALUES ($1, $2, 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $3::bigint) "
        "ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, "
        "token = CASE WHEN lease.holder = excluded.holder THEN lease.token ELSE lease.token + 1 END, "
        "expires_at = excluded.expires_at "
        "WHERE lease.holder = excluded.holder "
        "OR split_part(lease.holder, '/', 1) = split_part(excluded.holder, '/', 1) "
        "OR lease.expires_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
        "RETURNING token",
        {role, holder, static_cast<std::int64_t>(ttl.count())});
    if (!taken) return taken.status();
    if (taken->rows() == 0) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{taken->int64(0, 0)};
}

Status pg_release_lease(PgConnection& tx, std::string_view role, std::string_view holder) {
    return tx.exec("UPDATE leader_leases SET expires_at = 0 WHERE role = $1 AND holder = $2", {role, holder})
        .status();
}

Status pg_check_lease(PgConnection& tx, const Checkpoint& checkpoint) {
    if (checkpoint.lease == 0) return {};
    auto current = tx.exec("SELECT token FROM leader_leases WHERE role = $1 FOR SHARE", {checkpoint.group});
    if (!current) return current.status();
    if (current->rows() == 1 && current->int64(0, 0) == checkpoint.lease) return {};
    std::string message = "processor ";
    message.append(checkpoint.group)
        .append(" lost its lease to another server: its checkpoint and events are not written");
    return {Errc::conflict, std::move(message)};
}

}  // namespace synclatch::server
