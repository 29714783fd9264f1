// A strict JSON reader that reports what it reads to a handler, in one pass and without a tree, for the
// bodies received most (body_decoder.cpp). nlohmann's lexer reads a byte at a time through an adapter and
// grows each string a character at a time: most of a 1,024-record page's decoding time. This one scans a
// string's plain run at once. It takes exactly the text nlohmann's parser takes and reads the same values
// (the differential fuzzer, sync_request_fuzzer, holds it to that):
//  - RFC 8259, with a UTF-8 byte order mark allowed before the value and nothing but white space after it;
//  - strings valid UTF-8 (RFC 3629's ranges), no raw control character, \u escapes with surrogate pairs;
//  - an integer is unsigned when not negative and signed when it is; one beyond 64 bits, and any number
//    with a fraction or exponent, is a double (strtod in the C locale), and one that overflows is an error.
// The handler takes null(), boolean(bool), number_integer(int64), number_unsigned(uint64),
// number_float(double), string(std::string&), key(std::string&), start_object(), end_object(),
// start_array() and end_array(). Only for text within check_json_limits: its depth bounds the stack.
#pragma once

#include <locale.h>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace synclatch::sync::detail {

class JsonEventReader {
  public:
    explicit JsonEventReader(std::string_view text)
        : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()) {}

    // False when the text is not one JSON value; the handler may have heard part of it by then.
    template <class Handler>
    bool read(Handler& handler);

  private:
    static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
    void skip_space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
            ++p_;
    }
    bool expect(unsigned char c) {
        skip_space();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::memcmp(p_, word.data(), word.size()) != 0)
            return false;
        p_ += word.size();
        return true;
    }

    // The length of the UTF-8 sequence at p_, or 0 when it is not a valid one (RFC 3629).
    std::size_t utf8_sequence() const {
        auto in = [this](std::size_t i, unsigned lo, unsigned hi) {
            return p_ + i < end_ && p_[i] >= lo && p_[i] <= hi;
        };
        const unsigned c = p_[0];
        if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
        if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
        if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
        if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
        if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        if (c >= 0xF1 && c <= 0xF3)
            return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        return 0;
    }

    bool hex4(unsigned& out) {
        if (end_ - p_ < 4) return false;
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const unsigned char c = *p_++;
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= c - '0';
            } else if (c >= 'a' && c <= 'f') {
                out |= c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                out |= c - 'A' + 10;
            } else {
                return false;
            }
        }
        return true;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // p_ just after the backslash.
    bool read_escape(std::string& out) {
        if (p_ == end_) return false;
        const unsigned char e = *p_++;
        switch (e) {
            case '"':
                out += '"';
                return true;
            case '\\':
                out += '\\';
                return true;
            case '/':
                out += '/';
                return true;
            case 'b':
                out += '\b';
                return true;
            case 'f':
                out += '\f';
                return true;
            case 'n':
                out += '\n';
                return true;
            case 'r':
                out += '\r';
                return true;
            case 't':
                out += '\t';
                return true;
            case 'u':
                break;
            default:
                return false;
        }
        unsigned cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: a low one must follow
            unsigned low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
        }
        append_utf8(out, cp);
        return true;
    }

    // p_ at the opening quote.
    bool read_string(std::string& out) {
        ++p_;
        out.clear();
        for (;;) {
            const unsigned char* run = p_;
            while (p_ < end_) {
                const unsigned char c = *p_;
                if (c == '"' || c == '\\' || c < 0x20) break;
                if (c < 0x80) {
                    ++p_;
                } else if (const std::size_t n = utf8_sequence(); n != 0) {
                    p_ += n;
                } else {
                    return false;
                }
            }
            out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
            if (p_ == end_ || *p_ < 0x20) return false;
            if (*p_++ == '"') return true;
            if (!read_escape(out)) return false;
        }
    }

    static double to_double(const unsigned char* first, const unsigned char* last) {
        static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
        const auto size = static_cast<std::size_t>(last - first);
        char small[64];
        std::string large;
        char* text = small;
        if (size >= sizeof(small)) {
            large.assign(reinterpret_cast<const char*>(first), size);
            text = large.data();
        } else {
            std::memcpy(small, first, size);
            small[size] = '\0';
        }
        return strtod_l(text, nullptr, c_locale);
    }

    template <class Handler>
    bool read_number(Handler& handler) {
        const unsigned char* start = p_;
        const bool negative = *p_ == '-';
        if (negative) ++p_;
        if (p_ == end_) return false;
        if (*p_ == '0') {
            ++p_;
        } else if (*p_ >= '1' && *p_ <= '9') {
            while (p_ < end_ && is_digit(*p_))
                ++p_;
        } else {
            return false;
        }
        bool integer = true;
        if (p_ < end_ && *p_ == '.') {
            integer = false;
            ++p_;
            if (p_ == end_ || !is_digit(*p_)) return false;
            while (p_ < end_ && is_digit(*p_))
                ++p_;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            integer = false;
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ == end_ || !is_digit(*p_)) return false;
            while (p_ < end_ && is_digit(*p_))
                ++p_;
        }
        const char* first = reinterpret_cast<const char*>(start);
        const char* last = reinterpret_cast<const char*>(p_);
        if (integer && negative) {
            std::int64_t value = 0;
            if (const auto [end, error] = std::from_chars(first, last, value);
                error == std::errc() && end == last) {
                handler.number_integer(value);
                return true;
            }
        } else if (integer) {
            std::uint64_t value = 0;
            if (const auto [end, error] = std::from_chars(first, last, value);
                error == std::errc() && end == last) {
                handler.number_unsigned(value);
                return true;
            }
        }
        const double value = to_double(start, p_);  // beyond 64 bits, or not an integer
        if (!std::isfinite(value)) return false;
        handler.number_float(value);
        return true;
    }

    template <class Handler>
    bool read_key(Handler& handler) {
        skip_space();
        if (p_ == end_ || *p_ != '"' || !read_string(text_)) return false;
        handler.key(text_);
        return expect(':');
    }

    const unsigned char* p_;
    const unsigned char* end_;
    std::string text_;  // a member name being read
};

template <class Handler>
bool JsonEventReader::read(Handler& handler) {
    if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) p_ += 3;
    std::vector<bool> open;  // the containers open, innermost last: true for an object
    for (;;) {
        // A value.
        skip_space();
        if (p_ == end_) return false;
        switch (*p_) {
            case '{':
                ++p_;
                handler.start_object();
                skip_space();
                if (p_ < end_ && *p_ == '}') {
                    ++p_;
                    handler.end_object();
                    break;
                }
                open.push_back(true);
                if (!read_key(handler)) return false;
                continue;
            case '[':
                ++p_;
                handler.start_array();
                skip_space();
                if (p_ < end_ && *p_ == ']') {
                    ++p_;
                    handler.end_array();
                    break;
                }
                open.push_back(false);
                continue;
            case '"': {
                std::string value;
                if (!read_string(value)) return false;
                handler.string(value);
                break;
            }
            case 't':
                if (!literal("true")) return false;
                handler.boolean(true);
                break;
            case 'f':
                if (!literal("false")) return false;
                handler.boolean(false);
                break;
            case 'n':
                if (!literal("null")) return false;
                handler.null();
                break;
            default:
                if (!read_number(handler)) return false;
                break;
        }
        // After a value: the end of the text, the next element, or the end of a container.
        for (;;) {
            skip_space();
            if (open.empty()) return p_ == end_;
            if (p_ == end_) return false;
            if (*p_ == ',') {
                ++p_;
                if (open.back() && !read_key(handler)) return false;
                break;
            }
            if (*p_ != (open.back() ? '}' : ']')) return false;
            ++p_;
            if (open.back()) {
                handler.end_object();
            } else {
                handler.end_array();
            }
            open.pop_back();
        }
    }
}

}  // namespace synclatch::sync::detail
