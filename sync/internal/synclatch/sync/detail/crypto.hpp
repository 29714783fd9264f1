// SHA-256 and HMAC-SHA256 over OpenSSL, and hex encoding: the primitives SigV4 needs.
#pragma once

#include <string>
#include <string_view>

namespace synclatch::sync::detail {

std::string sha256(std::string_view data);                             // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string hex(std::string_view bytes);                               // lowercase
inline std::string sha256_hex(std::string_view data) {
    return hex(sha256(data));
}

}  // namespace synclatch::sync::detail
