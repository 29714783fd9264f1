// The server database's schema, as ordered migration steps (core's sqlite/migrations.hpp applies them).
#pragma once

#include <span>

namespace synclatch::server {

std::span<const char* const> server_migrations();

}  // namespace synclatch::server
