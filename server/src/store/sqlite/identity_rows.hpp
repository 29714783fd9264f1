// The identities table, inside a caller's transaction: new identity ids and rows, and what an identity is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/random_ids.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::server {

// Inserts a new identity of an existing pool; not_found for an unknown pool.
Status insert_identity(core::sqlite::Database& db, std::string_view pool_id, std::string_view identity_id,
                       EpochMillis now);

struct IdentityRow {
    std::string pool_id;
    bool merged = false;  // merged into another identity: gone for good
    EpochMillis created = 0;
    EpochMillis last_modified = 0;  // a login linked or unlinked, a guest merged in
    bool disabled = false;          // its last login was unlinked: no one may act as it any more
    std::string merged_into;        // when merged: the identity it was merged into
};
std::optional<IdentityRow> load_identity(core::sqlite::Database& db, std::string_view identity_id);

}  // namespace synclatch::server
