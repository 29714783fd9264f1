// HttpServer: HTTP/1.1 with keep-alive on Boost.Beast, one C++20 coroutine per connection, each connection
// on one thread of the IoPool. Every read of a request (headers and body) and every write has a deadline.
// What clients can make it hold is bounded (docs/server.md, "Memory budget"): connections (beyond
// max_connections, or max_connections_per_address from one address, a client gets a 503 and a close),
// header bytes, each read buffer, each body (a limit per route, decided from the headers before the body is
// read) and all bodies and large answers held at once, in all and per address (beyond them a 429 with
// Retry-After): one client cannot take the room the others need. Transient accept errors (out of file
// descriptors, say) pause accepting briefly; only stop() ends it. stop() stops accepting, lets requests in
// flight finish, and closes idle connections.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "http/http_types.hpp"
#include "http/in_flight_budget.hpp"
#include "http/io_pool.hpp"
#include "synclatch/core/result.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;  // 0: any free port (see start())
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 4 * 1024 * 1024;   // the largest body any route accepts
    std::size_t max_connections = 4096;             // open at once, WebSocket channels included
    std::size_t max_connections_per_address = 256;  // from one address
    // Request bodies and large answers held at once: in all, and for one address.
    std::size_t max_body_bytes_in_flight = 64 * 1024 * 1024;
    std::size_t max_body_bytes_in_flight_per_address = 16 * 1024 * 1024;
    std::chrono::milliseconds request_timeout{30'000};  // to receive one whole request, idle wait included
    std::chrono::milliseconds write_timeout{30'000};
};

// Thread-safety: start() once, then stop() from any thread; the counters from any thread.
class HttpServer {
  public:
    // Runs on the connection's thread. It may block briefly on a database read, never on the network;
    // it may suspend (long-poll, group commit) without holding the thread.
    using Handler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&, ClientInfo)>;
    // Takes over a connection whose request asks for a WebSocket upgrade; keep_alive owns the connection.
    // stopping() tells whether stop() was called; check it right before starting each read.
    using UpgradeHandler = std::function<boost::asio::awaitable<void>(
        std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream, HttpRequest,
        std::function<bool()> stopping)>;

    // The largest body a request may send, decided from its headers alone: called on the connection's
    // thread before the body is read (the request's body is still empty). None: max_body_bytes for all.
    using BodyLimit = std::function<std::size_t(const HttpRequest&)>;

    HttpServer(IoPool& pool, HttpServerOptions options, Handler handler, UpgradeHandler upgrade = nullptr,
               BodyLimit body_limit = nullptr);
    ~HttpServer();

    // Binds and listens; returns the bound endpoint (its real port when options.port was 0).
    Result<boost::asio::ip::tcp::endpoint> start();
    void stop();
    std::size_t open_connections() const;
    std::size_t body_bytes_in_flight() const { return budget_.in_flight(); }
    std::uint64_t connections_refused() const { return connections_refused_.load(); }  // at max_connections
    std::uint64_t bodies_refused() const { return bodies_refused_.load(); }  // at max_body_bytes_in_flight

    struct Connection;  // one accepted socket (defined in the .cpp)

  private:
    void accept_next();
    void on_accept_error(const boost::system::error_code& error);
    void serve_connection(boost::asio::ip::tcp::socket socket);
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
    // Gives back the connection's places under the limits; runs before its socket closes, so a client that
    // sees the close finds its place free. Once per connection.
    void release_slot(const std::shared_ptr<Connection>& connection);

    IoPool& pool_;
    const HttpServerOptions options_;
    const Handler handler_;
    const UpgradeHandler upgrade_;
    const BodyLimit body_limit_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_pause_;  // on the acceptor's thread
    ThrottledLog accept_errors_;
    InFlightBudget budget_;
    std::atomic<std::uint64_t> connections_refused_{0};
    std::atomic<std::uint64_t> bodies_refused_{0};
    mutable std::mutex mutex_;
    std::set<std::shared_ptr<Connection>> connections_;                      // guarded by mutex_
    std::map<boost::asio::ip::address, std::size_t> connections_by_client_;  // guarded by mutex_; no zeros
    bool stopping_ = false;                                                  // guarded by mutex_
};

}  // namespace synclatch::server
