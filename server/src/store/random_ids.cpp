// Random hex, UUID v4 identity and device ids, and access keys, from OpenSSL's generator.
#include "store/random_ids.hpp"

#include <cctype>

#include <openssl/rand.h>

#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
        throw RandomnessUnavailable();
    return sync::detail::hex(raw);
}

std::string new_identity_id(std::string_view pool_id) {
    // A version 4 UUID: <region>:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
    std::string hex = random_hex(16);
    hex[12] = '4';
    hex[16] = "89ab"[hex[16] % 4];
    return std::string(pool_id.substr(0, pool_id.find(':'))) + ":" + hex.substr(0, 8) + "-" +
           hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string new_access_key_id() {
    std::string key_id = "ASIA";
    for (char c : random_hex(10))
        key_id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return key_id;
}

std::string new_device_id() {
    const std::string hex = random_hex(16);
    std::string id = hex.substr(0, 8);
    id.append("-").append(hex, 8, 4).append("-").append(hex, 12, 4).append("-").append(hex, 16, 4);
    id.append("-").append(hex, 20, 12);
    return id;
}

}  // namespace synclatch::server
