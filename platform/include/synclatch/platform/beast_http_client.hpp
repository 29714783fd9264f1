// BeastHttpClient: the HTTP(S) transport of the sync engine, over Boost.Beast and OpenSSL, with kept-alive
// connections and a deadline on every exchange. Boost and OpenSSL stay behind the pimpl, so an app
// includes this header with only the standard library.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"

namespace synclatch::platform {

// The options are sync's, so code that is only handed an opener (sync::OpenHttpClient) can fill them in.
using HttpClientOptions = sync::HttpClientOptions;

// Thread-safety: send() may be called from several threads at once; each call takes an idle connection or
// opens a new one, and hands it back for reuse when the answer allows keep-alive. The destructor must not
// run while a send() is in progress; it may wait for a host name lookup that a timed-out send() left
// behind (bounded by the system resolver's own timeout).
class BeastHttpClient final : public sync::HttpClient {
  public:
    // invalid_argument for an endpoint without host or port, or a ca_file that cannot be loaded.
    static Result<std::unique_ptr<BeastHttpClient>> open(const sync::Endpoint& endpoint,
                                                         const HttpClientOptions& options = {});
    ~BeastHttpClient() override;
    BeastHttpClient(const BeastHttpClient&) = delete;
    BeastHttpClient& operator=(const BeastHttpClient&) = delete;

    // Blocks the calling thread for at most `deadline` (plus scheduling slack): resolve, connect, TLS
    // handshake, write and read all count against it. A kept-alive connection that the server closed while
    // it was idle is replaced once, transparently. Errors: unavailable (cannot resolve or connect, TLS or
    // certificate failure, connection lost), timeout, invalid_argument (a malformed request or answer, or
    // an answer body over max_response_bytes). Any HTTP status is a response.
    Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                    std::chrono::milliseconds deadline) override;
    bool concurrent_sends() const noexcept override { return true; }

  private:
    struct Impl;
    explicit BeastHttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// BeastHttpClient::open as a sync::OpenHttpClient, for the parts that are given an opener.
Result<std::unique_ptr<sync::HttpClient>> open_http_client(const sync::Endpoint& endpoint,
                                                           const HttpClientOptions& options);

}  // namespace synclatch::platform
