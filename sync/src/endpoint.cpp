// Parsing endpoint URLs, and the Host header value.
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

}  // namespace synclatch::sync
