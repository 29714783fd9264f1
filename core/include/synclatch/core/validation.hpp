// Input rules of the Cognito Sync protocol (PROTOCOL.md §2), shared by the store, the client and the server.
#pragma once

#include <cstddef>
#include <string_view>

#include "synclatch/core/status.hpp"

namespace synclatch::core {

inline constexpr std::size_t kMaxDatasetNameLength = 128;
inline constexpr std::size_t kMaxKeyLength = 1024;         // characters (code points)
inline constexpr std::size_t kMaxValueLength = 1'048'575;  // characters (code points)
inline constexpr std::size_t kMaxIdentityIdLength = 55;
inline constexpr std::size_t kMaxDeviceIdLength = 256;

// Each returns ok, or invalid_argument with a message that names the rule broken.
// Keys and values must be valid UTF-8; lengths count Unicode code points.
Status validate_dataset_name(std::string_view name);    // 1-128 of [a-zA-Z0-9_.:-]
Status validate_key(std::string_view key);              // 1-1024 characters
Status validate_value(std::string_view value);          // at most 1,048,575 characters
Status validate_identity_id(std::string_view id);       // 1-55, [\w-]+:[0-9a-f-]+
Status validate_identity_pool_id(std::string_view id);  // same pattern as an identity id

// Number of Unicode code points in valid UTF-8, or std::nullopt-like -1 when the text is not UTF-8.
long utf8_length(std::string_view text) noexcept;

}  // namespace synclatch::core
