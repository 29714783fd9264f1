// The local store's schema, as ordered migration steps (see sqlite/migrations.hpp).
#pragma once

#include <span>

namespace synclatch::core::detail {

std::span<const char* const> store_migrations();

}  // namespace synclatch::core::detail
