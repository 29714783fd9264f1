// base64url (RFC 4648 §5) without padding, as JWS and JWK use it: an encoder and a strict decoder for
// untrusted text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synclatch::server {

// The unpadded base64url text of bytes.
std::string base64url(std::string_view bytes);

// The bytes of unpadded base64url text; nullopt for padding ('='), any character outside the alphabet
// (whitespace included), a length no encoding has (4n + 1) and non-zero bits after the last byte. Being
// strict makes the text of a decoded value unique, so two spellings of one signature or key cannot exist.
std::optional<std::string> decode_base64url(std::string_view text);

}  // namespace synclatch::server
