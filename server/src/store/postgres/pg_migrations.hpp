// The PostgreSQL server database's schema as ordered migration steps, and the migrator that applies them:
// every server instance runs it at start, any number at once, and each step is applied exactly once.
#pragma once

#include <cstdint>
#include <span>

#include "store/postgres/pg_connection.hpp"

namespace synclatch::server {

// The statements that bring the schema from version N - 1 to N, in order. Append new steps; never edit a
// released one (a database that has applied it would not apply the edit).
using PgMigrationStep = std::span<const PgSql>;

// The server schema: step i brings it to version i + 1. Version 1 is the bookkeeping (schema_version) and
// server_meta; version 2 the server's data (identities, datasets, records, streams, leases).
std::span<const PgMigrationStep> pg_server_migrations();

// The advisory lock that serializes migrators: a fixed key ("synclatc" in ASCII), so that every instance of
// every version of synclatch-server takes the same one.
inline constexpr std::int64_t kPgMigrationLockKey = 0x73796e636c617463;

// Applies the steps the database has not applied yet, in one transaction that first takes
// pg_advisory_xact_lock(kPgMigrationLockKey): instances starting at once wait for each other, and each
// finds the steps the previous one committed. Each applied step leaves its row in schema_version. A
// database whose schema is newer than `steps` is refused (Errc::storage) and left as it is.
// Thread-safety: as the connection's (one thread at a time); any number of connections may migrate at once.
Status pg_migrate(PgConnection& conn, std::span<const PgMigrationStep> steps);

// The schema version the database records: 0 for a database without schema_version.
Result<std::int64_t> pg_schema_version(PgConnection& conn);

}  // namespace synclatch::server
