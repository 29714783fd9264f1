// Protocol input rules (PROTOCOL.md §2), checked before anything is written.
#include "synclatch/core/validation.hpp"

#include <string>

namespace synclatch::core {

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

bool is_dataset_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_lower_hex_or_dash(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
}

Status validate_text(std::string_view what, std::string_view text, std::size_t min, std::size_t max) {
    const long length = utf8_length(text);
    if (length < 0) return invalid(std::string(what) + " is not valid UTF-8");
    if (static_cast<std::size_t>(length) < min) return invalid(std::string(what) + " is empty");
    if (static_cast<std::size_t>(length) > max) {
        return invalid(std::string(what) + " is " + std::to_string(length) +
                       " characters long; the limit is " + std::to_string(max));
    }
    return {};
}

// "<region-ish word>:<lowercase hex and dashes>", as Cognito identity and pool ids are.
Status validate_colon_id(std::string_view what, std::string_view id) {
    if (id.empty() || id.size() > kMaxIdentityIdLength) {
        return invalid(std::string(what) + " must be 1 to " + std::to_string(kMaxIdentityIdLength) +
                       " characters");
    }
    const auto colon = id.find(':');
    bool ok = colon != std::string_view::npos && colon > 0 && colon + 1 < id.size();
    for (std::size_t i = 0; ok && i < colon; ++i)
        ok = is_word_char(id[i]) || id[i] == '-';
    for (std::size_t i = colon + 1; ok && i < id.size(); ++i)
        ok = is_lower_hex_or_dash(id[i]);
    if (!ok)
        return invalid(std::string(what) +
                       " must look like 'us-east-1:0123abcd-...' (lowercase hex after ':')");
    return {};
}

}  // namespace

long utf8_length(std::string_view text) noexcept {
    long count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        char32_t code = 0;
        if (lead < 0x80) {
            code = lead;
        } else if ((lead & 0xe0) == 0xc0) {
            extra = 1;
            code = lead & 0x1f;
        } else if ((lead & 0xf0) == 0xe0) {
            extra = 2;
            code = lead & 0x0f;
        } else if ((lead & 0xf8) == 0xf0) {
            extra = 3;
            code = lead & 0x07;
        } else {
            return -1;
        }
        if (extra > text.size() - i - 1) return -1;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0) != 0x80) return -1;
            code = (code << 6) | (next & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
        if (code < kMinForLength[extra] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return -1;
        i += extra + 1;
        ++count;
    }
    return count;
}

Status validate_dataset_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxDatasetNameLength) {
        return invalid("dataset name must be 1 to " + std::to_string(kMaxDatasetNameLength) + " characters");
    }
    for (char c : name) {
        if (!is_dataset_name_char(c))
            return invalid("dataset name may only contain a-z, A-Z, 0-9, '_', '.', ':' and '-'");
    }
    return {};
}

Status validate_key(std::string_view key) {
    return validate_text("key", key, 1, kMaxKeyLength);
}

Status validate_value(std::string_view value) {
    return validate_text("value", value, 0, kMaxValueLength);
}

Status validate_identity_id(std::string_view id) {
    return validate_colon_id("identity id", id);
}

Status validate_identity_pool_id(std::string_view id) {
    return validate_colon_id("identity pool id", id);
}

}  // namespace synclatch::core
