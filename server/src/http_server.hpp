// HttpServer: HTTP/1.1 with keep-alive on Boost.Beast, one C++20 coroutine per connection, each connection
// on one thread of the IoPool. Every read of a request (headers and body) and every write has a deadline,
// and headers and bodies are size-bounded. stop() stops accepting, lets requests in flight finish, and
// closes idle connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "http_types.hpp"
#include "io_pool.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;  // 0: any free port (see start())
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 4 * 1024 * 1024;
    std::chrono::milliseconds request_timeout{30'000};  // to receive one whole request, idle wait included
    std::chrono::milliseconds write_timeout{30'000};
};

// Thread-safety: start() once, then stop() from any thread.
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

    HttpServer(IoPool& pool, HttpServerOptions options, Handler handler, UpgradeHandler upgrade = nullptr);
    ~HttpServer();

    // Binds and listens; returns the bound endpoint (its real port when options.port was 0).
    Result<boost::asio::ip::tcp::endpoint> start();
    void stop();
    std::size_t open_connections() const;

    struct Connection;  // one accepted socket (defined in the .cpp)

  private:
    void accept_next();

    IoPool& pool_;
    const HttpServerOptions options_;
    const Handler handler_;
    const UpgradeHandler upgrade_;
    boost::asio::ip::tcp::acceptor acceptor_;
    mutable std::mutex mutex_;
    std::set<std::shared_ptr<Connection>> connections_;  // guarded by mutex_
    bool stopping_ = false;                              // guarded by mutex_
};

}  // namespace synclatch::server
