// Decoding of lowercase hex, for the server's tokens and cursors (encoding: sync::detail::hex, crypto.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synclatch::server {

// std::nullopt unless text is an even number of lowercase hex digits.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace synclatch::server
