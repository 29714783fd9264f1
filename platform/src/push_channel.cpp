// The push channel's thread runs one coroutine: connect, sign the upgrade, read hints until the
// connection ends, wait a backoff, again. Plain and TLS streams share the session code (a template with
// two instantiations).
#include "push_channel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <random>

#include "backoff.hpp"
#include "tls_client.hpp"

namespace synclatch::platform::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxHintBytes = 64 * 1024;  // hints are ~200 bytes; anything larger is not one

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Handshake with the signed upgrade, then hand every text frame to on_hint until the connection ends.
template <class Ws>
asio::awaitable<void> talk(Ws& ws, const PushChannelOptions& options,
                           const sync::sigv4::Credentials& credentials, std::atomic<bool>& connected,
                           bool& opened) {
    sync::sigv4::Request wire;
    wire.method = "GET";
    wire.path = "/push";
    wire.query = "deviceId=" + percent_encode(options.device_id);
    wire.headers = {{"Host", options.endpoint.authority()}};
    sync::sigv4::sign(wire, credentials, options.region, "cognito-sync", sync::sigv4::amz_date(now_millis()));
    ws.set_option(
        websocket::stream_base::decorator([headers = wire.headers](websocket::request_type& request) {
            for (const auto& [name, value] : headers) {
                if (name != "Host") request.set(name, value);
            }
        }));
    websocket::stream_base::timeout timeouts =
        websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = std::chrono::seconds(60);  // a ping after 30 s of silence; closed after 60
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.read_message_max(kMaxHintBytes);
    boost::system::error_code error;
    co_await ws.async_handshake(options.endpoint.authority(), wire.path + "?" + wire.query,
                                asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    opened = true;
    connected.store(true);
    beast::flat_buffer buffer;
    for (;;) {
        co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, error));
        if (error) co_return;
        if (ws.got_text()) options.on_hint(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
    }
}

// One connection's life; `opened` tells whether the WebSocket opened (the backoff starts over then).
asio::awaitable<void> session(const PushChannelOptions& options, std::optional<asio::ssl::context>& tls,
                              std::atomic<bool>& connected, bool& opened) {
    auto credentials = options.credentials();
    if (!credentials.ok()) co_return;
    auto executor = co_await asio::this_coro::executor;
    boost::system::error_code error;
    tcp::resolver resolver(executor);
    auto targets =
        co_await resolver.async_resolve(options.endpoint.host, std::to_string(options.endpoint.port),
                                        asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    beast::tcp_stream stream(executor);
    stream.expires_after(std::chrono::seconds(10));
    co_await stream.async_connect(targets, asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    beast::error_code no_delay_error;  // pings and subscriptions go out at once, not behind Nagle's wait
    stream.socket().set_option(asio::ip::tcp::no_delay(true), no_delay_error);
    if (!tls) {
        stream.expires_never();  // the WebSocket's own timeouts take over
        websocket::stream<beast::tcp_stream> ws(std::move(stream));
        co_await talk(ws, options, *credentials, connected, opened);
        co_return;
    }
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(std::move(stream), *tls);
    boost::system::error_code not_ip;
    asio::ip::make_address(options.endpoint.host, not_ip);
    if (!prepare_tls_stream(ws.next_layer(), options.endpoint.host, !not_ip, options.endpoint.authority())
             .ok())
        co_return;
    co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    beast::get_lowest_layer(ws).expires_never();
    co_await talk(ws, options, *credentials, connected, opened);
}

asio::awaitable<void> keep_connected(const PushChannelOptions& options,
                                     std::optional<asio::ssl::context>& tls, std::atomic<bool>& connected) {
    std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> random01(0.0, 1.0);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    int failures = 0;
    for (;;) {
        bool opened = false;
        co_await session(options, tls, connected, opened);
        connected.store(false);
        failures = opened ? 1 : failures + 1;
        timer.expires_after(
            backoff_delay(failures, options.min_backoff, options.max_backoff, random01(random)));
        boost::system::error_code error;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
}

}  // namespace

Result<std::unique_ptr<PushChannel>> PushChannel::open(PushChannelOptions options) {
    std::unique_ptr<PushChannel> channel(new PushChannel(std::move(options)));
    if (channel->options_.endpoint.tls) {
        Status error;
        channel->tls_ = make_tls_context(channel->options_.ca_file, error);
        if (!error.ok()) return Status{error.code(), "push channel: " + error.message()};
    }
    asio::co_spawn(channel->io_, keep_connected(channel->options_, channel->tls_, channel->connected_),
                   asio::detached);
    channel->thread_ = std::thread([io = &channel->io_] { io->run(); });
    return channel;
}

PushChannel::PushChannel(PushChannelOptions options) : options_(std::move(options)) {}

PushChannel::~PushChannel() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace synclatch::platform::detail
