// The connection loop: read a request under a deadline, run the handler on the connection's thread, write the
// response under a deadline, repeat while the client keeps the connection alive.
#include "http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "error_response.hpp"

namespace synclatch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct HttpServer::Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;  // used only on its own io_context's thread
    bool busy = false;         // a request is being handled; guarded by HttpServer::mutex_
};

namespace {

// Answers a request that could not be read, then the connection closes.
asio::awaitable<void> refuse(beast::tcp_stream& stream, HttpResponse response) {
    response.keep_alive(false);
    co_await http::async_write(stream, response, use_tuple);
}

asio::awaitable<void> serve(std::shared_ptr<HttpServer::Connection> connection,
                            const HttpServerOptions& options, const HttpServer::Handler& handler,
                            const HttpServer::UpgradeHandler& upgrade, std::function<bool(bool)> set_busy,
                            std::function<bool()> stopping) {
    auto& stream = connection->stream;
    beast::flat_buffer buffer;
    // Room for a typical signed request: Beast then reads it with one recv instead of 512 bytes first.
    buffer.reserve(8 * 1024);
    for (;;) {
        // Checked in the same handler that starts the read: stop() sets the flag before it posts the
        // cancel, so either this check or the cancel ends an idle connection.
        if (stopping()) break;
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(options.max_body_bytes);
        // One deadline for the whole request: a client trickling bytes (or idling) is cut off.
        stream.expires_after(options.request_timeout);
        auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (read_error == http::error::body_limit) {
            co_await refuse(stream, error_response("LimitExceededException",
                                                   "the request body is larger than " +
                                                       std::to_string(options.max_body_bytes) + " bytes",
                                                   11, false));
            break;
        }
        if (read_error == http::error::header_limit) {
            HttpResponse response =
                error_response("InvalidParameterException", "the request headers are too large", 11, false);
            response.result(http::status::request_header_fields_too_large);
            co_await refuse(stream, std::move(response));
            break;
        }
        if (read_error == http::error::bad_target || read_error == http::error::bad_method ||
            read_error == http::error::bad_version || read_error == http::error::bad_field ||
            read_error == http::error::bad_value || read_error == http::error::bad_content_length ||
            read_error == http::error::bad_chunk || read_error == http::error::bad_transfer_encoding) {
            co_await refuse(stream,
                            error_response("InvalidParameterException", "malformed HTTP request", 11, false));
            break;
        }
        if (read_error) break;  // closed, reset, timed out, or cancelled by stop(): nothing to answer
        if (upgrade && beast::websocket::is_upgrade(parser.get())) {
            // A long-lived push channel: not "busy", so stop() closes it like an idle connection.
            co_await upgrade(connection, stream, parser.release(), stopping);
            break;
        }
        if (!set_busy(true)) break;  // stopping: do not start new work

        HttpRequest request = parser.release();
        HttpResponse response = co_await handler(request, client_of(stream.socket()));
        const bool keep_going = set_busy(false) && request.keep_alive() && response.keep_alive();
        response.keep_alive(keep_going);
        stream.expires_after(options.write_timeout);
        auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
        if (write_error || !keep_going) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

}  // namespace

HttpServer::HttpServer(IoPool& pool, HttpServerOptions options, Handler handler, UpgradeHandler upgrade)
    : pool_(pool),
      options_(std::move(options)),
      handler_(std::move(handler)),
      upgrade_(std::move(upgrade)),
      acceptor_(pool.main()) {}

HttpServer::~HttpServer() = default;

Result<tcp::endpoint> HttpServer::start() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec)
        return Status{Errc::invalid_argument, "cannot listen on '" + options_.host + "': not an IP address"};
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return Status{Errc::unavailable, "cannot listen on " + options_.host + ":" +
                                             std::to_string(options_.port) + ": " + ec.message()};
    }
    const auto bound = acceptor_.local_endpoint(ec);
    accept_next();
    return bound;
}

void HttpServer::accept_next() {
    acceptor_.async_accept(pool_.next(), [this](beast::error_code ec, tcp::socket socket) {
        if (ec) return;  // the acceptor was closed by stop()
        auto connection = std::make_shared<Connection>(std::move(socket));
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            connections_.insert(connection);
        }
        auto set_busy = [this, connection](bool busy) {
            std::lock_guard lock(mutex_);
            connection->busy = busy;
            return !stopping_;
        };
        asio::co_spawn(connection->stream.get_executor(),
                       serve(connection, options_, handler_, upgrade_, set_busy,
                             [this] {
                                 std::lock_guard lock(mutex_);
                                 return stopping_;
                             }),
                       [this, connection](std::exception_ptr) {
                           std::lock_guard lock(mutex_);
                           connections_.erase(connection);
                       });
        accept_next();
    });
}

void HttpServer::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& connection : connections_) {
        if (connection->busy) continue;  // finishes its response, then closes (set_busy reports stopping)
        asio::post(connection->stream.get_executor(), [connection] { connection->stream.cancel(); });
    }
}

std::size_t HttpServer::open_connections() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

}  // namespace synclatch::server
