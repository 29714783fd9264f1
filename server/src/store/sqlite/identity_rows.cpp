// Identity ids and rows.
#include "store/sqlite/identity_rows.hpp"

#include "store/storage_errors.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

Status insert_identity(sqlite::Database& db, std::string_view pool_id, std::string_view identity_id,
                       EpochMillis now) {
    sqlite::StatementScope pool(db.cached("SELECT 1 FROM identity_pools WHERE pool_id = ?1"));
    pool->bind(1, pool_id);
    if (!pool->step()) return pool_not_found(pool_id);
    sqlite::StatementScope insert(db.cached(
        "INSERT INTO identities (identity_id, pool_id, created, last_modified) VALUES (?1, ?2, ?3, ?3)"));
    insert->bind(1, identity_id).bind(2, pool_id).bind(3, now).run();
    return {};
}

std::optional<IdentityRow> load_identity(sqlite::Database& db, std::string_view identity_id) {
    sqlite::StatementScope select(
        db.cached("SELECT pool_id, merged_into, created, last_modified, disabled_at IS NOT NULL "
                  "FROM identities WHERE identity_id = ?1"));
    select->bind(1, identity_id);
    if (!select->step()) return std::nullopt;
    auto merged_into = select->column_optional_string(1);
    return IdentityRow{select->column_string(0), merged_into.has_value(),      select->column_int64(2),
                       select->column_int64(3),  select->column_int64(4) != 0, merged_into.value_or("")};
}

}  // namespace synclatch::server
