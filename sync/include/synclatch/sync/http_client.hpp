// HttpClient: the transport the sync engine talks through. sync/ only defines it (no sockets here);
// platform/ implements it over Boost.Beast, and tests implement it over an in-process server or with
// injected faults.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"

namespace synclatch::sync {

// Thread-safety (HttpRequest, HttpResponse): plain values.
struct HttpRequest {
    std::string method;  // "GET", "POST", "DELETE", ...
    std::string target;  // path and query as sent on the wire: already percent-encoded
    // Sent as given, in this order. The caller includes Host (it is signed); the client adds Content-Length
    // and, when missing, User-Agent.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The value of the first header with this (case-insensitive) name, or empty.
    std::string_view header(std::string_view name) const noexcept;
};

// Thread-safety: implementations document theirs; the sync engine uses one client from one thread at a time.
class HttpClient {
  public:
    virtual ~HttpClient() = default;

    // Sends one request and waits for the whole answer, for at most `deadline`. Any HTTP status is a
    // response; only transport failures are errors: unavailable (cannot connect, connection lost, TLS
    // failure), timeout (the deadline passed), cancelled, invalid_argument (a malformed answer).
    virtual Result<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds deadline) = 0;
};

}  // namespace synclatch::sync
