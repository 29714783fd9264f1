// Reading, adopting and rotating the signing keys in server_meta.
#include "store/postgres/pg_signing_keys.hpp"

#include "store/postgres/pg_server_bus.hpp"

namespace synclatch::server {

Result<std::optional<StoredSigningKeys>> pg_read_signing_keys(PgConnection& conn) {
    // One statement: the current and the previous key from one snapshot.
    auto rows = conn.exec(
        "SELECT (SELECT value FROM server_meta WHERE name = 'openid-signing-key'), "
        "(SELECT value FROM server_meta WHERE name = 'openid-signing-key.previous')");
    if (!rows) return rows.status();
    if (rows->is_null(0, 0)) return std::optional<StoredSigningKeys>();
    return std::optional<StoredSigningKeys>(
        StoredSigningKeys{std::string(rows->text(0, 0)), rows->optional_text(0, 1)});
}

Result<StoredSigningKeys> pg_adopt_signing_keys(PgConnection& tx, const std::string& current_pem,
                                                const std::optional<std::string>& previous_pem) {
    auto inserted = tx.exec(
        "INSERT INTO server_meta (name, value) VALUES ('openid-signing-key', $1) ON CONFLICT (name) DO "
        "NOTHING",
        {current_pem});
    if (!inserted) return inserted.status();
    // The previous key belongs with the current one it was stored with: only beside a key stored now.
    if (inserted->affected_rows() == 1 && previous_pem) {
        auto previous = tx.exec(
            "INSERT INTO server_meta (name, value) VALUES ('openid-signing-key.previous', $1) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            {*previous_pem});
        if (!previous) return previous.status();
    }
    auto stored = pg_read_signing_keys(tx);
    if (!stored) return stored.status();
    if (!*stored) return Status{Errc::internal, "the signing key vanished while it was being stored"};
    return std::move(**stored);
}

Status pg_rotate_signing_key(PgConnection& conn, const std::string& new_pem) {
    const Status no_key{Errc::not_found,
                        "no synclatch server has started on this database yet: it holds no key"};
    auto schema = conn.exec("SELECT to_regclass('server_meta') IS NOT NULL");
    if (!schema) return schema.status();
    if (schema->text(0, 0) != "t") return no_key;
    return conn.transaction([&](PgConnection& tx) -> Status {
        auto current = tx.exec("SELECT value FROM server_meta WHERE name = 'openid-signing-key' FOR UPDATE");
        if (!current) return current.status();
        if (current->rows() == 0) return no_key;
        auto previous = tx.exec(
            "INSERT INTO server_meta (name, value) VALUES ('openid-signing-key.previous', $1) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            {current->text(0, 0)});
        if (!previous) return previous.status();
        auto replaced =
            tx.exec("UPDATE server_meta SET value = $1 WHERE name = 'openid-signing-key'", {new_pem});
        if (!replaced) return replaced.status();
        return pg_bus_notify(tx, "rotate-signing-key", std::string(kSigningKeysTopic), "");
    });
}

}  // namespace synclatch::server
