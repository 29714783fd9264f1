// Writing JSON straight to text, for the answers a server sends thousands of times a second, where a
// nlohmann::json tree (a map node per member) costs more than the rest of the request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace synclatch::sync::detail {

// text as a JSON string (RFC 8259): quotes, backslashes and control characters escaped. text must be
// valid UTF-8 (everything here came out of a parsed JSON request or was validated), other bytes pass.
void append_json_string(std::string& out, std::string_view text);
// "name":"value" and "name":number.
void append_json_field(std::string& out, std::string_view name, std::string_view value);
void append_json_field(std::string& out, std::string_view name, std::int64_t value);
// Epoch milliseconds as the wire's epoch seconds: 1412974081 or 1412974081.336 (as epoch_seconds_json).
void append_epoch_seconds(std::string& out, std::int64_t millis);

}  // namespace synclatch::sync::detail
