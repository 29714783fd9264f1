// Lowercase hex encoding of bytes and its inverse, for the server's tokens, ids and cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synclatch::server {

std::string hex_encode(std::string_view bytes);
// std::nullopt unless text is an even number of lowercase hex digits.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace synclatch::server
