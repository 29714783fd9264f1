// --admin-key ACCESS:SECRET, the server's developer credentials, parsed in one place for every command
// that signs with it: tail, replay, and the local-store commands acting for --identity.
#pragma once

#include <optional>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::cli {

// std::nullopt when the option was not given (an empty value); invalid_argument ("--admin-key must be
// ACCESS:SECRET") when it is not two non-empty parts around the first ':'. The secret may hold ':'.
Result<std::optional<sync::sigv4::Credentials>> parse_admin_key(std::string_view value);

}  // namespace synclatch::cli
