// BeastHttpClient: Beast's async HTTP operations run as one C++20 coroutine per exchange on an io_context
// owned by the connection. beast::tcp_stream's expiry, set once to the caller's deadline, bounds connect,
// TLS handshake, write and read together; host name lookups are bounded by NameResolver.
#include "synclatch/platform/beast_http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "name_resolver.hpp"
#include "tls_client.hpp"
#include "transport_errors.hpp"

namespace synclatch::platform {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using detail::Stage;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Request = http::request<http::string_body>;

constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kReadBufferBytes = 64 * 1024;

// One connection to the endpoint. The pool hands it to one send() at a time and only that thread runs its
// io_context, so its stream needs no strand or lock.
struct Connection {
    asio::io_context io{1};  // declared first: destroyed after the stream that uses it
    std::optional<PlainStream> plain;
    std::optional<TlsStream> tls;
    beast::flat_buffer buffer;
    bool connected = false;

    beast::tcp_stream& tcp_layer() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// What one exchange on a connection produced.
struct Outcome {
    boost::system::error_code error;
    Stage stage = Stage::connect;
    http::response_parser<http::string_body> parser;
    std::exception_ptr failure;  // an exception escaped the coroutine (out of memory)
};

bool is_token(std::string_view text) {
    static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    if (text.empty()) return false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isalnum(u) && kSymbols.find(c) == std::string_view::npos) return false;
    }
    return true;
}

// Refuses what would corrupt the request on the wire (header injection through CR/LF, a target with spaces).
Status validate(const sync::HttpRequest& request) {
    if (!is_token(request.method))
        return {Errc::invalid_argument, "request: bad method '" + request.method + "'"};
    if (request.target.empty()) return {Errc::invalid_argument, "request: empty target"};
    for (const char c : request.target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f)
            return {Errc::invalid_argument, "request: the target has a space or control"};
    }
    for (const auto& [name, value] : request.headers) {
        if (!is_token(name)) return {Errc::invalid_argument, "request: bad header name '" + name + "'"};
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return {Errc::invalid_argument, "request: header '" + name + "' has a line break or NUL"};
        }
    }
    return {};
}

template <class Stream>
asio::awaitable<void> run_exchange(Stream& stream, Connection& connection,
                                   const std::vector<tcp::endpoint>& endpoints, Request& request,
                                   Outcome& out) {
    auto on_error = asio::redirect_error(asio::use_awaitable, out.error);
    if (!connection.connected) {
        out.stage = Stage::connect;
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, on_error);
        if (out.error) co_return;
        beast::error_code no_delay_error;  // requests go out at once, not behind Nagle's wait
        beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true), no_delay_error);
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            out.stage = Stage::handshake;
            co_await stream.async_handshake(ssl::stream_base::client, on_error);
            if (out.error) co_return;
        }
        connection.connected = true;
    }
    out.stage = Stage::write;
    co_await http::async_write(stream, request, on_error);
    if (out.error) co_return;
    out.stage = Stage::read;
    // Beast reads at most the room the buffer has (and 64 KiB): with none reserved, a large answer came in
    // 512 bytes at a time, a recv and a timer reset each. Kept for the connection's next exchanges.
    connection.buffer.reserve(kReadBufferBytes);
    co_await http::async_read(stream, connection.buffer, out.parser, on_error);
}

}  // namespace

struct BeastHttpClient::Impl {
    sync::Endpoint endpoint;
    HttpClientOptions options;
    std::string where;  // "host:port" for messages
    bool host_is_ip = false;
    std::optional<ssl::context> tls;
    std::unique_ptr<detail::NameResolver> resolver;  // only for host names

    std::mutex mutex;
    std::vector<std::unique_ptr<Connection>> idle;  // guarded by mutex; the most recently used last

    Result<sync::HttpResponse> send(const sync::HttpRequest& in, std::chrono::milliseconds deadline);

  private:
    Request build(const sync::HttpRequest& in) const;
    Result<std::vector<tcp::endpoint>> endpoints(Clock::time_point until,
                                                 const detail::FailureContext& context);
    Result<std::unique_ptr<Connection>> new_connection();
    static void run(Connection& connection, const std::vector<tcp::endpoint>& endpoints, Request& request,
                    Clock::time_point until, Outcome& out);
    std::unique_ptr<Connection> take_idle();
    void give_back(std::unique_ptr<Connection> connection);
};

Request BeastHttpClient::Impl::build(const sync::HttpRequest& in) const {
    Request request;
    request.version(11);
    request.method_string(in.method);
    request.target(in.target);
    bool has_host = false;
    bool has_user_agent = false;
    for (const auto& [name, value] : in.headers) {
        if (beast::iequals(name, "content-length")) continue;  // ours to compute
        has_host = has_host || beast::iequals(name, "host");
        has_user_agent = has_user_agent || beast::iequals(name, "user-agent");
        request.insert(name, value);
    }
    if (!has_host) request.set(http::field::host, endpoint.authority());
    if (!has_user_agent && !options.user_agent.empty())
        request.set(http::field::user_agent, options.user_agent);
    request.body() = in.body;
    const bool sends_body = !in.body.empty() || request.method() == http::verb::post ||
                            request.method() == http::verb::put || request.method() == http::verb::patch;
    if (sends_body) request.content_length(in.body.size());
    return request;
}

Result<std::vector<tcp::endpoint>> BeastHttpClient::Impl::endpoints(Clock::time_point until,
                                                                    const detail::FailureContext& context) {
    if (host_is_ip) return std::vector{tcp::endpoint(asio::ip::make_address(endpoint.host), endpoint.port)};
    auto resolved = resolver->resolve(endpoint.host, endpoint.port, until);
    if (resolved.timed_out) return detail::timeout_status(context);
    if (resolved.error) return detail::transport_status(context, Stage::resolve, resolved.error);
    if (resolved.endpoints.empty())
        return Status{Errc::unavailable, where + ": the host name has no address"};
    return std::move(resolved.endpoints);
}

Result<std::unique_ptr<Connection>> BeastHttpClient::Impl::new_connection() {
    auto connection = std::make_unique<Connection>();
    if (!tls) {
        connection->plain.emplace(connection->io);
        return connection;
    }
    auto& stream = connection->tls.emplace(connection->io, *tls);
    if (Status s = detail::prepare_tls_stream(stream, endpoint.host, host_is_ip, where); !s.ok()) return s;
    return connection;
}

void BeastHttpClient::Impl::run(Connection& connection, const std::vector<tcp::endpoint>& endpoints,
                                Request& request, Clock::time_point until, Outcome& out) {
    // One expiry for every operation of the exchange: when it fires, tcp_stream closes the socket and the
    // operation in flight completes with beast::error::timeout, so run() cannot outlive the deadline.
    connection.tcp_layer().expires_at(until);
    connection.io.restart();
    const auto done = [&out](std::exception_ptr failure) { out.failure = std::move(failure); };
    if (connection.tls) {
        asio::co_spawn(connection.io, run_exchange(*connection.tls, connection, endpoints, request, out),
                       done);
    } else {
        asio::co_spawn(connection.io, run_exchange(*connection.plain, connection, endpoints, request, out),
                       done);
    }
    connection.io.run();
    connection.tcp_layer().expires_never();
}

std::unique_ptr<Connection> BeastHttpClient::Impl::take_idle() {
    std::lock_guard lock(mutex);
    if (idle.empty()) return nullptr;
    auto connection = std::move(idle.back());  // the most recent: the least likely to be closed by the server
    idle.pop_back();
    return connection;
}

void BeastHttpClient::Impl::give_back(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(connection));
    // else: closed when `connection` goes out of scope
}

Result<sync::HttpResponse> BeastHttpClient::Impl::send(const sync::HttpRequest& in,
                                                       std::chrono::milliseconds deadline) {
    if (auto invalid = validate(in); !invalid) return invalid;
    const auto until = Clock::now() + deadline;
    detail::FailureContext context{where, deadline, options.max_response_bytes, {}};
    Request request = build(in);

    auto connection = take_idle();
    bool reused = connection != nullptr;
    for (;;) {
        std::vector<tcp::endpoint> targets;
        if (!connection) {
            auto resolved = endpoints(until, context);
            if (!resolved) return resolved.status();
            targets = std::move(resolved).value();
            auto fresh = new_connection();
            if (!fresh) return fresh.status();
            connection = std::move(fresh).value();
        }
        Outcome out;
        out.parser.body_limit(options.max_response_bytes);
        out.parser.header_limit(kMaxHeaderBytes);
        out.parser.skip(request.method() == http::verb::head);  // a HEAD answer has no body to read
        run(*connection, targets, request, until, out);
        if (out.failure) return Status{Errc::internal, where + ": the exchange failed unexpectedly"};

        if (!out.error) {
            auto& message = out.parser.get();
            sync::HttpResponse response;
            response.status = static_cast<int>(message.result_int());
            for (const auto& field : message) {
                response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            }
            response.body = std::move(message.body());
            if (out.parser.keep_alive() && connection->buffer.size() == 0) give_back(std::move(connection));
            return response;
        }
        // The server closed the kept-alive connection while it sat idle, before answering anything: the race
        // every keep-alive client meets. One more try on a fresh connection hides it from the caller. (A
        // request the server did see is harmless to repeat for the Cognito calls: reads, and writes guarded
        // by sync counts.)
        if (reused && !out.parser.got_some() && detail::is_stale_connection_error(out.error) &&
            (out.stage == Stage::write || out.stage == Stage::read) && Clock::now() < until) {
            connection.reset();
            reused = false;
            continue;
        }
        if (out.error == beast::error::timeout || Clock::now() >= until)
            return detail::timeout_status(context);
        std::string tls_detail;
        if (out.stage == Stage::handshake && connection->tls) {
            const long verify = SSL_get_verify_result(connection->tls->native_handle());
            if (verify != X509_V_OK) {
                tls_detail =
                    std::string("certificate verify failed (") + X509_verify_cert_error_string(verify) + ")";
            }
        }
        context.tls_detail = tls_detail;
        return detail::transport_status(context, out.stage, out.error);
    }
}

BeastHttpClient::BeastHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BeastHttpClient::~BeastHttpClient() = default;

Result<std::unique_ptr<BeastHttpClient>> BeastHttpClient::open(const sync::Endpoint& endpoint,
                                                               const HttpClientOptions& options) {
    if (endpoint.host.empty() || endpoint.port == 0) {
        return Status{Errc::invalid_argument, "HTTP client: the endpoint needs a host and a port"};
    }
    try {
        auto impl = std::make_unique<Impl>();
        impl->endpoint = endpoint;
        impl->options = options;
        const bool ipv6 = endpoint.host.find(':') != std::string::npos;
        impl->where =
            (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
        boost::system::error_code not_ip;
        asio::ip::make_address(endpoint.host, not_ip);
        impl->host_is_ip = !not_ip;
        if (!impl->host_is_ip) impl->resolver = std::make_unique<detail::NameResolver>();
        if (endpoint.tls) {
            Status error;
            impl->tls = detail::make_tls_context(options.ca_file, error);
            if (!error.ok()) return Status{error.code(), "HTTP client: " + error.message()};
        }
        return std::unique_ptr<BeastHttpClient>(new BeastHttpClient(std::move(impl)));
    } catch (const std::exception& e) {  // a thread or a TLS context the system could not provide
        return Status{Errc::unavailable, std::string("HTTP client: ") + e.what()};
    }
}

Result<sync::HttpResponse> BeastHttpClient::send(const sync::HttpRequest& request,
                                                 std::chrono::milliseconds deadline) {
    try {
        return impl_->send(request, deadline);
    } catch (const std::exception& e) {  // out of memory, or a bug: never across the API
        return Status{Errc::internal, std::string("HTTP client: ") + e.what()};
    }
}

Result<std::unique_ptr<sync::HttpClient>> open_http_client(const sync::Endpoint& endpoint,
                                                           const HttpClientOptions& options) {
    auto client = BeastHttpClient::open(endpoint, options);
    if (!client.ok()) return client.status();
    return std::unique_ptr<sync::HttpClient>(std::move(client).value());
}

}  // namespace synclatch::platform
