// The accept loop and the connection loop: read a request's headers under a deadline, decide what body it
// may send, read the body, run the handler on the connection's thread, write the response under a deadline,
// repeat while the client keeps the connection alive.
#include "http/http_server.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/error_response.hpp"
#include "http/request_framing.hpp"

namespace synclatch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// A connection's read buffer holds headers and the part of a body read but not yet parsed; Beast reads at
// most 64 KiB at a time, so this bound never cuts a request short. Idle connections shrink back.
constexpr std::size_t kMaxReadBytes = 64 * 1024;
constexpr std::size_t kReadBufferBytes = kMaxReadBytes + 16 * 1024;
constexpr std::size_t kIdleBufferBytes = 8 * 1024;
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// Answers up to this size are written without a reservation: /healthz and errors always get through.
constexpr std::size_t kSmallAnswerBytes = 16 * 1024;

// Answers a request that could not be read, then the connection closes. Closing a socket that still has
// unread bytes resets the connection, and the client may lose the answer before reading it: what the client
// is still sending is read and dropped first, for a moment and up to a bound (a "lingering close").
asio::awaitable<void> refuse(beast::tcp_stream& stream, HttpResponse response) {
    response.keep_alive(false);
    stream.expires_after(std::chrono::seconds(5));
    auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
    if (write_error) co_return;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(1));
    char sink[4096];
    for (std::size_t drained = 0; drained < 1024 * 1024;) {
        auto [read_error, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (read_error) break;
        drained += n;
    }
}

HttpResponse malformed(unsigned version) {
    return error_response("InvalidParameterException", "malformed HTTP request", version, false);
}

HttpResponse try_again_later(std::string message, unsigned version) {
    HttpResponse response = error_response("TooManyRequestsException", message, version, false);
    response.set(http::field::retry_after, "1");
    return response;
}

// Accept errors that say nothing about the listening socket itself: the process or the system is short of
// descriptors or memory for now, or the client gave up before we took its connection.
bool is_transient_accept_error(const beast::error_code& error) {
    return error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
           error == asio::error::no_memory || error == asio::error::connection_aborted ||
           error.value() == ENFILE || error.value() == EMFILE || error.value() == EPROTO ||
           error.value() == EPERM || error.value() == EINTR || error.value() == EAGAIN;
}

}  // namespace

struct HttpServer::Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)), client(client_of(stream.socket())) {}
    beast::tcp_stream stream;  // used only on its own io_context's thread
    const ClientInfo client;
    bool busy = false;     // a request is being handled; guarded by HttpServer::mutex_
    bool counted = false;  // holds places under the connection limits; guarded by HttpServer::mutex_
};

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> connection) {
    auto& stream = connection->stream;
    auto stopping = [this] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    auto set_busy = [this, &connection](bool busy) {
        std::lock_guard lock(mutex_);
        connection->busy = busy;
        return !stopping_;
    };
    const ClientInfo& client = connection->client;
    beast::flat_buffer buffer(kReadBufferBytes);
    // Room for a typical signed request: Beast then reads it with one recv instead of 512 bytes first.
    buffer.reserve(kIdleBufferBytes);
    for (;;) {
        // Checked in the same handler that starts the read: stop() sets the flag before it posts the
        // cancel, so either this check or the cancel ends an idle connection.
        if (stopping()) break;
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        parser.body_limit(boost::none);  // checked below, with the route's limit, once the headers are in
        // One deadline for the whole request: a client trickling bytes (or idling) is cut off.
        stream.expires_after(options_.request_timeout);
        auto [header_error, header_bytes] =
            co_await http::async_read_header(stream, buffer, parser, use_tuple);
        if (header_error == http::error::header_limit || header_error == http::error::buffer_overflow) {
            HttpResponse response =
                error_response("InvalidParameterException", "the request headers are too large", 11, false);
            response.result(http::status::request_header_fields_too_large);
            co_await refuse(stream, std::move(response));
            break;
        }
        if (is_malformed_request(header_error)) {
            co_await refuse(stream, malformed(11));
            break;
        }
        if (header_error) break;  // closed, reset, timed out, or cancelled by stop(): nothing to answer
        const HttpRequest& head = parser.get();
        if (body_length_is_unknowable(head, parser.chunked())) {
            co_await refuse(
                stream, error_response("InvalidParameterException", "Transfer-Encoding must end with chunked",
                                       head.version(), false));
            break;
        }
        if (upgrade_ && beast::websocket::is_upgrade(head)) {
            if (!parser.is_done()) {  // an upgrade request has no body
                co_await refuse(stream, malformed(head.version()));
                break;
            }
            // A long-lived push channel: not "busy", so stop() closes it like an idle connection.
            co_await upgrade_(connection, stream, parser.release(), stopping);
            break;
        }

        const std::size_t body_limit =
            std::min(body_limit_ ? body_limit_(head) : options_.max_body_bytes, options_.max_body_bytes);
        const auto length = parser.content_length();
        if (length && *length > body_limit) {
            co_await refuse(stream, error_response("LimitExceededException",
                                                   "the request body is larger than " +
                                                       std::to_string(body_limit) + " bytes",
                                                   head.version(), false));
            break;
        }
        // Chunked bodies say their size only at the end: they hold room for the most they may send.
        const auto reservation = budget_.reserve(
            client.address, parser.chunked() ? body_limit : static_cast<std::size_t>(length.value_or(0)));
        if (!reservation.held()) {
            ++bodies_refused_;
            co_await refuse(stream, try_again_later("the server is receiving too many request bodies; retry",
                                                    head.version()));
            break;
        }
        parser.body_limit(body_limit);
        if (!parser.is_done()) {
            // Beast reads at most the room the buffer has: room for the body (up to one 64 KiB read) takes
            // it in a few recvs instead of one per 8 KiB. At most the body's own reservation again, and
            // given back once the connection is idle.
            const std::size_t body_room =
                std::min<std::size_t>(length.value_or(kMaxReadBytes), kMaxReadBytes);
            buffer.reserve(std::min(buffer.max_size(), buffer.size() + body_room));
            auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
            if (body_error == http::error::body_limit) {
                co_await refuse(stream, error_response("LimitExceededException",
                                                       "the request body is larger than " +
                                                           std::to_string(body_limit) + " bytes",
                                                       11, false));
                break;
            }
            if (is_malformed_request(body_error)) {
                co_await refuse(stream, malformed(11));
                break;
            }
            if (body_error) break;
        }
        if (!set_busy(true)) break;  // stopping: do not start new work

        HttpRequest request = parser.release();
        HttpResponse response = co_await handler_(request, client);
        // A reader that does not read its answers holds them until the write deadline: large answers to
        // reads count against the same budget as bodies (a write's answer is no larger than its request,
        // whose reservation is still held; small answers are part of a connection's own bound). One that
        // could never fit is sent anyway, rather than never.
        const bool large_read =
            request.method() == http::verb::get && response.body().size() > kSmallAnswerBytes;
        const auto answer = budget_.reserve(client.address, large_read ? response.body().size() : 0);
        if (!answer.held() && response.body().size() <= options_.max_body_bytes_in_flight_per_address) {
            ++bodies_refused_;
            response = try_again_later("the server is sending too many answers; retry", request.version());
        }
        const bool keep_going = set_busy(false) && request.keep_alive() && response.keep_alive();
        response.keep_alive(keep_going);
        stream.expires_after(options_.write_timeout);
        auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
        if (write_error || !keep_going) break;
        if (buffer.size() == 0 && buffer.capacity() > kIdleBufferBytes) {
            buffer.shrink_to_fit();  // an idle keep-alive connection holds no large buffer
            buffer.reserve(kIdleBufferBytes);
        }
    }
    release_slot(connection);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

void HttpServer::release_slot(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mutex_);
    if (!connection->counted) return;
    connection->counted = false;
    connections_.erase(connection);
    const auto from_client = connections_by_client_.find(connection->client.address);
    if (from_client != connections_by_client_.end() && --from_client->second == 0)
        connections_by_client_.erase(from_client);
}

HttpServer::HttpServer(IoPool& pool, HttpServerOptions options, Handler handler, UpgradeHandler upgrade,
                       BodyLimit body_limit)
    : pool_(pool),
      options_(std::move(options)),
      handler_(std::move(handler)),
      upgrade_(std::move(upgrade)),
      body_limit_(std::move(body_limit)),
      acceptor_(pool.main()),
      accept_pause_(pool.main()),
      budget_(options_.max_body_bytes_in_flight, options_.max_body_bytes_in_flight_per_address) {}

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
        if (ec) return on_accept_error(ec);
        serve_connection(std::move(socket));
        accept_next();
    });
}

void HttpServer::on_accept_error(const beast::error_code& error) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
    }
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;  // closed by stop()
    // Anything else is worth another try: a server that stops accepting while it looks alive is the
    // worst outcome (clients' handshakes still complete in the kernel, and they hang).
    accept_errors_.log(LogLevel::warn, "cannot accept a connection: " + error.message() +
                                           (is_transient_accept_error(error) ? "" : " (unexpected)") +
                                           "; accepting again shortly");
    accept_pause_.expires_after(kAcceptPause);
    accept_pause_.async_wait([this](const beast::error_code& ec) {
        if (!ec) accept_next();
    });
}

void HttpServer::serve_connection(tcp::socket socket) {
    // Answers and push hints go out at once, not held by Nagle until the previous segment is acknowledged
    // (a second hint on a push channel would otherwise wait out the peer's delayed ACK, about 40 ms).
    beast::error_code no_delay_error;
    socket.set_option(tcp::no_delay(true), no_delay_error);
    auto connection = std::make_shared<Connection>(std::move(socket));
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        auto& from_client = connections_by_client_[connection->client.address];
        if (connections_.size() >= options_.max_connections ||
            from_client >= options_.max_connections_per_address) {
            if (from_client == 0) connections_by_client_.erase(connection->client.address);
            // Said without waiting and without buffering: whatever the socket takes now, then a close.
            static const std::string kBusy = [] {
                const std::string body =
                    R"({"__type":"TooManyRequestsException","message":"the server has too many connections"})";
                return "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nx-amzn-ErrorType: TooManyRequestsException\r\n"
                       "Content-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
            }();
            (void)!::send(connection->stream.socket().native_handle(), kBusy.data(), kBusy.size(),
                          MSG_DONTWAIT | MSG_NOSIGNAL);
            ++connections_refused_;
            return;
        }
        connections_.insert(connection);
        ++from_client;
        connection->counted = true;
    }
    asio::co_spawn(connection->stream.get_executor(), serve(connection),
                   [this, connection](std::exception_ptr) { release_slot(connection); });
}

void HttpServer::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        accept_pause_.cancel();
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
