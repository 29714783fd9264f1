// The JSON text writers.
#include "synclatch/sync/detail/json_text.hpp"

#include <cstdio>

namespace synclatch::sync::detail {

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    // Runs that need no escaping (nearly all text) are copied whole.
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
        out.append(text.substr(run, i - run));
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
        }
    }
    out.append(text.substr(run));
    out += '"';
}

void append_json_field(std::string& out, std::string_view name, std::string_view value) {
    out.append("\"").append(name).append("\":");
    append_json_string(out, value);
}

void append_json_field(std::string& out, std::string_view name, std::int64_t value) {
    out.append("\"").append(name).append("\":").append(std::to_string(value));
}

void append_epoch_seconds(std::string& out, std::int64_t millis) {
    if (millis < 0) {
        out += '-';
        millis = -millis;
    }
    out += std::to_string(millis / 1000);
    int fraction = static_cast<int>(millis % 1000);
    if (fraction == 0) return;
    char digits[5];
    std::snprintf(digits, sizeof digits, ".%03d", fraction);
    std::string_view text(digits);
    while (text.back() == '0')
        text.remove_suffix(1);  // 1.500 -> 1.5, the shortest form, as a JSON number prints
    out += text;
}

}  // namespace synclatch::sync::detail
