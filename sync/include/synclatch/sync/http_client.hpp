// HttpClient: the transport the sync engine talks through. sync/ only defines it (no sockets here);
// platform/ implements it over Boost.Beast, and tests implement it over an in-process server or with
// injected faults. OpenHttpClient: how a part that calls out (the server's bridge, its key fetches) is
// given clients without knowing which transport builds them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"

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

    // Whether send() may be called from several threads at once (the sync engine then keeps more than one
    // request in flight). A wrapper answers for the client it wraps.
    virtual bool concurrent_sends() const noexcept { return false; }
};

// What a client is opened with. Thread-safety: a plain value.
struct HttpClientOptions {
    // Empty: trust the system's CA store. A PEM file: trust only the certificates in it.
    std::string ca_file;
    // Connections kept open between requests; 0 closes each one after its answer.
    std::size_t max_idle_connections = 4;
    // A longer answer body is refused (invalid_argument) rather than buffered.
    std::size_t max_response_bytes = 64 * 1024 * 1024;
    // Sent when the request has no User-Agent header of its own; empty sends none.
    std::string user_agent = "synclatch/0.1";
};

// Opens a client of one endpoint; invalid_argument when the endpoint or options cannot be used.
using OpenHttpClient = std::function<Result<std::unique_ptr<HttpClient>>(const Endpoint& endpoint,
                                                                         const HttpClientOptions& options)>;

}  // namespace synclatch::sync
