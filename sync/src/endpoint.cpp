// Parsing endpoint and request URLs, and the Host header value.
#include "synclatch/sync/endpoint.hpp"

#include <charconv>

namespace synclatch::sync {

namespace {

Status bad_url(std::string_view url, std::string_view why) {
    return {Errc::invalid_argument, "endpoint '" + std::string(url) + "': " + std::string(why)};
}

std::uint16_t default_port(bool tls) {
    return tls ? 443 : 80;
}

bool has_space_or_control(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

std::string Endpoint::authority() const {
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != default_port(tls)) {
        out += ':';
        out += std::to_string(port);
    }
    return out;
}

std::string Endpoint::url() const {
    return (tls ? "https://" : "http://") + authority();
}

Result<Endpoint> parse_endpoint(std::string_view url) {
    Endpoint endpoint;
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        endpoint.tls = false;
        rest = url.substr(7);
    } else {
        return bad_url(url, "must start with http:// or https://");
    }
    if (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.find_first_of("/?#") != std::string_view::npos)
        return bad_url(url, "must not have a path or query");
    if (rest.find('@') != std::string_view::npos) return bad_url(url, "must not carry user info");

    std::string_view host = rest;
    std::string_view port;
    if (rest.starts_with('[')) {  // [IPv6]:port
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return bad_url(url, "unclosed '[' in the host");
        host = rest.substr(1, close - 1);
        std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad_url(url, "unexpected text after the host");
            port = after.substr(1);
            if (port.empty()) return bad_url(url, "empty port");
        }
    } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty()) return bad_url(url, "empty port");
    }
    if (host.empty()) return bad_url(url, "no host");
    endpoint.host = std::string(host);
    endpoint.port = default_port(endpoint.tls);
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
            return bad_url(url, "port must be a number from 1 to 65535");
        endpoint.port = static_cast<std::uint16_t>(value);
    }
    return endpoint;
}

Result<HttpUrl> parse_http_url(std::string_view url) {
    if (url.size() > kMaxUrlChars)
        return Status{Errc::invalid_argument, "longer than " + std::to_string(kMaxUrlChars) + " characters"};
    if (has_space_or_control(url))
        return Status{Errc::invalid_argument, "contains spaces or control characters"};
    if (url.find('#') != std::string_view::npos)
        return Status{Errc::invalid_argument, "must not have a fragment (#)"};
    const auto scheme_end = url.find("://");
    const auto path_at = scheme_end == std::string_view::npos ? std::string_view::npos
                                                              : url.find_first_of("/?", scheme_end + 3);
    auto endpoint = parse_endpoint(url.substr(0, path_at));
    if (!endpoint.ok()) return endpoint.status();
    HttpUrl parsed{std::move(endpoint).value(), "/"};
    if (path_at != std::string_view::npos) {
        const std::string_view target = url.substr(path_at);
        // Appended, not insert(0, "/"): GCC 12 warns of a memcpy overlap there (-Wrestrict, GCC bug 105329).
        parsed.target.clear();
        if (target.front() == '?') parsed.target.push_back('/');
        parsed.target.append(target);
    }
    return parsed;
}

}  // namespace synclatch::sync
