// Random ids every storage engine makes: identity ids, access keys, secrets, device ids.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace synclatch::server {

// The system gave no randomness (OpenSSL's RAND_bytes failed): an engine answers Errc::internal.
class RandomnessUnavailable : public std::runtime_error {
  public:
    RandomnessUnavailable() : std::runtime_error("no randomness available") {}
};

// Random bytes as lowercase hex; throws RandomnessUnavailable.
std::string random_hex(std::size_t bytes);

// A new identity id in the pool's region: "<region>:<uuid v4>", as Cognito's are (also a new pool id, from
// "<region>:"). Throws RandomnessUnavailable.
std::string new_identity_id(std::string_view pool_id);

// A new temporary access key id: "ASIA" (AWS's prefix for temporary keys) and 20 uppercase hex digits.
// Throws RandomnessUnavailable.
std::string new_access_key_id();

// A new device id: a random UUID (RegisterDevice's DeviceId). Throws RandomnessUnavailable.
std::string new_device_id();

}  // namespace synclatch::server
