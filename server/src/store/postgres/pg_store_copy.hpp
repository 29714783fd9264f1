// Moving a deployment from the embedded store to PostgreSQL (`synclatch-server copy`): every table of an
// embedded server database (identities, credentials, logins, datasets, records with their versions,
// streams with their sequence numbers, checkpoints, devices, pools and their configuration, what imports
// from Cognito left (marks, unfinished runs, unlinked providers), the deployment id and server secret, and
// the OpenID signing keys of its data directory) copied into a
// PostgreSQL database that no server has used yet, then verified by row counts and a SHA-256 of every table's
// rows in key order, read back from both sides. The copy and its verification are one PostgreSQL transaction:
// a copy that fails or does not verify leaves the target as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/identity_storage.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

struct CopiedTable {
    std::string table;
    std::int64_t rows = 0;
    std::string source_sha256;  // hex, of the rows as read from the embedded store
    std::string target_sha256;  // hex, of the same rows read back from PostgreSQL
};

struct StoreCopyReport {
    std::vector<CopiedTable> tables;
    std::int64_t stream_seq = 0;   // the target's stream_seq: no sequence number is handed out twice
    std::int64_t latch_clock = 0;  // the target's latch_clock: local writes order after every copied one
    bool verified = false;         // every table's count and checksum matched (else nothing was committed)
    bool signing_keys_copied = false;  // the OpenID signing keys given were stored with the copy
};

// Progress, from the copying thread: the table, rows copied so far, rows in all.
using StoreCopyProgress =
    std::function<void(const std::string& table, std::int64_t done, std::int64_t total)>;

// Copies the embedded store at sqlite_path (a server's synclatch-server.db, which must not be open in a
// running server: its lock is taken) into the PostgreSQL database at pg_url (its schema made or brought up
// to date first). Errors: not_found when there is no file; conflict when a server has it open, or when
// the target holds anything (a database a server has started on holds its deployment id);
// invalid_argument for a value PostgreSQL cannot hold (a NUL character); storage, corrupt or unavailable
// for either database. A copy that does not verify is rolled back and reported with verified false.
// signing_keys: the server's OpenID signing keys (its --data files), stored in the same transaction, so
// that tokens it issued stay valid on the servers of the copy (pg_signing_keys.hpp).
Result<StoreCopyReport> copy_sqlite_store_to_postgres(const std::string& sqlite_path,
                                                      const std::string& pg_url,
                                                      const std::optional<StoredSigningKeys>& signing_keys,
                                                      const StoreCopyProgress& progress = {});

}  // namespace synclatch::server
