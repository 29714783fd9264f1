// The deletion of one identity, in the writer's transaction.
#include "identity_deletion.hpp"

#include "identity_rows.hpp"
#include "sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

bool delete_identity(sqlite::Database& db, std::string_view identity_id) {
    const auto identity = load_identity(db, identity_id);
    if (!identity || identity->merged) return false;
    // Children before the identity row, which they reference.
    constexpr const char* kStatements[] = {
        "DELETE FROM records WHERE identity_id = ?1",
        "DELETE FROM datasets WHERE identity_id = ?1",
        "DELETE FROM credentials WHERE identity_id = ?1",
        "DELETE FROM subscriptions WHERE identity_id = ?1",
        "DELETE FROM devices WHERE identity_id = ?1",
        "DELETE FROM identity_logins WHERE identity_id = ?1",
        "DELETE FROM identities WHERE merged_into = ?1",
        "DELETE FROM identities WHERE identity_id = ?1",
    };
    for (const char* sql : kStatements) {
        sqlite::StatementScope statement(db.cached(sql));
        statement->bind(1, identity_id).run();
    }
    return true;
}

}  // namespace synclatch::server
