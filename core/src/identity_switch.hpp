// Moving a store's data from one identity to another (LocalStore::set_identity_id), inside the caller's
// write transaction.
#pragma once

#include <string_view>

#include "synclatch/core/record.hpp"
#include "synclatch/sqlite/database.hpp"

namespace synclatch::core::detail {

void switch_identity(sqlite::Database& db, std::string_view old_identity, std::string_view new_identity,
                     EpochMillis now);

}  // namespace synclatch::core::detail
