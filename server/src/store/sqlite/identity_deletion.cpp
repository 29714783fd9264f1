// The deletion of identities, in the writer's transaction.
#include "store/sqlite/identity_deletion.hpp"

#include <string>

#include "store/sqlite/identity_rows.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

namespace {

// Deletes what the identities `which` selects hold, then their rows. `which` is one of this file's
// constant queries (never input), with ?1 its one parameter.
void delete_held_by(sqlite::Database& db, const std::string& which, std::string_view parameter) {
    const std::string in = " WHERE identity_id IN (" + which + ")";
    // Children before the identity rows, which they reference.
    const std::string statements[] = {
        "DELETE FROM records" + in,         "DELETE FROM datasets" + in,
        "DELETE FROM import_marks" + in,    "DELETE FROM credentials" + in,
        "DELETE FROM subscriptions" + in,   "DELETE FROM devices" + in,
        "DELETE FROM identity_logins" + in, "DELETE FROM unlinked_providers" + in,
        "DELETE FROM identities" + in,
    };
    for (const auto& sql : statements) {
        sqlite::StatementScope statement(db.cached(sql));
        statement->bind(1, parameter).run();
    }
}

}  // namespace

bool delete_identity(sqlite::Database& db, std::string_view identity_id) {
    const auto identity = load_identity(db, identity_id);
    if (!identity || identity->merged) return false;
    delete_held_by(db, "SELECT identity_id FROM identities WHERE identity_id = ?1 OR merged_into = ?1",
                   identity_id);
    return true;
}

void delete_identities_of_pool(sqlite::Database& db, std::string_view pool_id) {
    delete_held_by(db, "SELECT identity_id FROM identities WHERE pool_id = ?1", pool_id);
    // Logins are linked per pool: any left (none should be) go with it.
    sqlite::StatementScope logins(db.cached("DELETE FROM identity_logins WHERE pool_id = ?1"));
    logins->bind(1, pool_id).run();
}

}  // namespace synclatch::server
