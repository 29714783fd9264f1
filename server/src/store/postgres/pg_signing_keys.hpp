// The deployment's OpenID signing keys in PostgreSQL: server_meta's rows "openid-signing-key" and
// "openid-signing-key.previous" (PEM), shared by every server of the database (auth/shared_signing_keys.hpp).
// The database holds the private keys, as it holds the server secret: protect it (and its backups) so.
#pragma once

#include <optional>
#include <string>

#include "store/identity_storage.hpp"
#include "store/postgres/pg_connection.hpp"

namespace synclatch::server {

// The stored keys; nullopt while none is stored.
Result<std::optional<StoredSigningKeys>> pg_read_signing_keys(PgConnection& conn);

// In a transaction: stores current_pem (and previous_pem, when given) unless a current key is stored
// already; returns what is stored.
Result<StoredSigningKeys> pg_adopt_signing_keys(PgConnection& tx, const std::string& current_pem,
                                                const std::optional<std::string>& previous_pem = {});

// One transaction: the current key becomes the previous one (dropping the previous), new_pem the current,
// and the servers hear of it on their bus (kSigningKeysTopic, sent when the transaction commits).
// not_found when no server has started on the database (no key is stored yet).
Status pg_rotate_signing_key(PgConnection& conn, const std::string& new_pem);

}  // namespace synclatch::server
