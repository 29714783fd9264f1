// Request target parsing.
#include "http/request_target.hpp"

#include <charconv>

namespace synclatch::server {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Status bad_target(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return bad_target("malformed percent-encoding");
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return bad_target("malformed percent-encoding");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    if (out.find('\0') != std::string::npos) return bad_target("NUL byte in the request target");
    return out;
}

Result<std::int64_t> RequestTarget::integer_param(const std::string& name, std::int64_t fallback,
                                                  std::int64_t max) const {
    auto text = param(name);
    if (!text) return fallback;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < 0 || value > max) {
        return Status{Errc::invalid_argument,
                      name + (max == std::numeric_limits<std::int64_t>::max()
                                  ? " must be a non-negative integer"
                                  : " must be an integer from 0 to " + std::to_string(max))};
    }
    return value;
}

Result<RequestTarget> parse_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return bad_target("the request target must start with '/'");
    RequestTarget result;
    const auto question = target.find('?');
    result.raw_path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) result.raw_query = std::string(target.substr(question + 1));

    std::string_view path = result.raw_path;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view piece = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (piece.empty()) continue;
        auto decoded = percent_decode(piece, false);
        if (!decoded.ok()) return decoded.status();
        if (*decoded == "." || *decoded == ".." || decoded->find('/') != std::string::npos) {
            return bad_target("path segments may not be '.', '..' or contain '/'");
        }
        result.segments.push_back(std::move(decoded).value());
    }

    std::string_view query = result.raw_query;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value =
            percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!name.ok()) return name.status();
        if (!value.ok()) return value.status();
        result.query.emplace(std::move(name).value(), std::move(value).value());
    }
    return result;
}

}  // namespace synclatch::server
