// Endpoint: where a server is, parsed from the URL an app configures ("https://sync.example.com",
// "http://127.0.0.1:8080"); HttpUrl: an endpoint and what to ask it for. The one URL parser of the project.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"

namespace synclatch::sync {

// Thread-safety: a plain value.
struct Endpoint {
    bool tls = true;   // https
    std::string host;  // a name or an IP address (IPv6 without brackets)
    std::uint16_t port = 443;

    // The Host header's value: host, with ":port" unless it is the scheme's default (and IPv6 in brackets).
    std::string authority() const;
    // "https://host[:port]", as it was given (for messages).
    std::string url() const;
};

// Accepts http:// and https:// URLs with an optional port and an optional "/" path; anything else
// (another scheme, a path, a query, user info, a bad port) is invalid_argument naming the problem.
Result<Endpoint> parse_endpoint(std::string_view url);

// An http:// or https:// URL split for a client: where to connect and what to ask for.
// Thread-safety: a plain value.
struct HttpUrl {
    Endpoint endpoint;   // scheme, host and port
    std::string target;  // path and query as given, "/" at least
};

// http:// or https:// with a host, an optional port, path and query; at most kMaxUrlChars, no user info,
// no fragment, no spaces or control characters. invalid_argument saying what is wrong.
inline constexpr std::size_t kMaxUrlChars = 2048;
Result<HttpUrl> parse_http_url(std::string_view url);

}  // namespace synclatch::sync
