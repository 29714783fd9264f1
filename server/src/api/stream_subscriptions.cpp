// The subscription loop: a reader coroutine keeps the WebSocket's control frames flowing (pings, the
// peer's close); the writer sends what the stream holds after the last sequence number sent, then polls.
#include "api/stream_subscriptions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "api/streams_api.hpp"
#include "http/error_response.hpp"

namespace synclatch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// What the reader and the writer share; either may outlive the other.
struct Subscription {
    Subscription(std::shared_ptr<void> connection, beast::tcp_stream& stream)
        : keep_alive(std::move(connection)), ws(stream) {}
    std::shared_ptr<void> keep_alive;  // the connection
    websocket::stream<beast::tcp_stream&> ws;
    bool closed = false;  // the reader saw the end (both coroutines run on the connection's thread)
};

asio::awaitable<void> read_until_closed(std::shared_ptr<Subscription> subscription) {
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await subscription->ws.async_read(buffer, use_tuple);
        if (ec) break;
        buffer.consume(n);  // subscribers have nothing to say; their frames are ignored
    }
    subscription->closed = true;
}

}  // namespace

StreamSubscriptions::StreamSubscriptions(StreamStorage& store, Authenticator authenticate)
    : store_(store), authenticate_(std::move(authenticate)) {}

bool StreamSubscriptions::owns(const HttpRequest& request) {
    return request.target().starts_with("/streams/");
}

asio::awaitable<void> StreamSubscriptions::serve(std::shared_ptr<void> keep_alive, beast::tcp_stream& stream,
                                                 HttpRequest request, std::function<bool()> stopping) const {
    auto refuse = [&](const Status& status) -> asio::awaitable<void> {
        HttpResponse response = error_response(status, request.version(), false);
        co_await beast::http::async_write(stream, response, use_tuple);
    };
    auto target = parse_target(request.target());
    if (!target.ok()) co_return co_await refuse(target.status());
    const auto& s = target->segments;
    if (s.size() != 3 || !is_stream_name(s[1]) || s[2] != "subscribe") {
        co_return co_await refuse(
            {Errc::not_found, "subscribe on /streams/{dataset-changes|events}/subscribe"});
    }
    auto start = target->integer_param("after", 0);
    if (!start.ok()) co_return co_await refuse(start.status());
    std::int64_t after = *start;
    auto principal = authenticate_(request, *target);
    if (!principal.ok()) co_return co_await refuse(principal.status());
    if (!principal->may_act_on_pools())
        co_return co_await refuse({Errc::unauthorized, "streams need the developer credentials"});

    const std::string name = s[1];
    auto subscription = std::make_shared<Subscription>(std::move(keep_alive), stream);
    auto& ws = subscription->ws;
    beast::get_lowest_layer(ws).expires_never();  // the WebSocket's own timeouts take over
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(kMaxSubscriberMessageBytes);
    auto [accept_error] = co_await ws.async_accept(request, use_tuple);
    if (accept_error) co_return;
    ws.text(true);
    asio::co_spawn(ws.get_executor(), read_until_closed(subscription), asio::detached);

    asio::steady_timer idle(ws.get_executor());
    bool writing = true;
    while (writing && !subscription->closed && !stopping()) {
        auto records = store_.read_stream(name, after, 100);
        if (!records.ok()) break;
        for (const auto& record : *records) {
            const std::string frame = stream_record_json(record).dump();
            auto [write_error, written] = co_await ws.async_write(asio::buffer(frame), use_tuple);
            if (write_error) {
                writing = false;
                break;
            }
            after = record.seq;
        }
        if (writing && records->empty()) {
            idle.expires_after(kStreamPollInterval);
            co_await idle.async_wait(use_tuple);
        }
    }
    if (writing && !subscription->closed) {
        co_await ws.async_close(websocket::close_code::going_away, use_tuple);  // the server stops
    }
}

}  // namespace synclatch::server
