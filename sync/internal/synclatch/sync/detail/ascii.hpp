// ASCII text helpers shared by SigV4 and the HTTP layer: case folding, case-insensitive comparison and
// RFC 3986 percent-encoding. ASCII only, as HTTP and SigV4 define them (and without the locale lookups of
// <cctype>, which show in profiles).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace synclatch::sync::detail {

inline char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

inline bool is_unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

// Percent-encodes every byte but the unreserved ones (and '/' when keep_slash), with uppercase hex.
inline std::string uri_encode(std::string_view text, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace synclatch::sync::detail
