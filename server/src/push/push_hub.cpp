// WebSocket channels and their registry.
#include "push/push_hub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace synclatch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

PushChannel::PushChannel(std::shared_ptr<void> keep_alive, beast::tcp_stream& stream)
    : keep_alive_(std::move(keep_alive)), ws_(stream) {}

asio::awaitable<void> PushChannel::run(HttpRequest request, std::function<bool()> stopping) {
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts take over
    // Suggested server timeouts: handshake deadline and idle pings, so a vanished device is noticed.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxPushMessageBytes);
    auto [accept_error] = co_await ws_.async_accept(request, asio::as_tuple(asio::use_awaitable));
    if (accept_error) {
        state_ = State::closed;
        co_return;
    }
    state_ = State::open;
    if (!queue_.empty()) write_next();  // what was published during the handshake
    beast::flat_buffer buffer;
    while (!stopping()) {
        auto [ec, n] = co_await ws_.async_read(buffer, asio::as_tuple(asio::use_awaitable));
        if (ec) break;      // closed by the peer, timed out, or cancelled by the server's stop
        buffer.consume(n);  // devices have nothing to say on this channel; frames are ignored
    }
    state_ = State::closed;
    queue_.clear();
}

void PushChannel::send(std::string topic, std::string message) {
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), topic = std::move(topic), message = std::move(message)]() mutable {
                   self->enqueue(std::move(topic), std::move(message));
               });
}

void PushChannel::enqueue(std::string topic, std::string message) {
    if (state_ == State::closed) return;
    // The front is on the wire while open: only later entries may be replaced.
    const auto first = queue_.begin() + (state_ == State::open && !queue_.empty() ? 1 : 0);
    for (auto it = first; it != queue_.end(); ++it) {
        if (it->topic == topic) {
            it->message = std::move(message);
            return;
        }
    }
    if (queue_.size() >= kMaxPendingHints) return close_too_slow();
    queue_.push_back({std::move(topic), std::move(message)});
    if (state_ == State::open && queue_.size() == 1) write_next();
}

void PushChannel::close_too_slow() {
    state_ = State::closed;
    queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);  // the read loop then ends, and run() returns
}

void PushChannel::write_next() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front().message),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                            self->state_ = State::closed;
                            self->queue_.clear();
                            return;
                        }
                        self->queue_.pop_front();
                        if (!self->queue_.empty() && self->state_ == State::open) self->write_next();
                    });
}

void PushHub::attach(const std::string& device_id, const std::shared_ptr<PushChannel>& channel) {
    std::lock_guard lock(mutex_);
    channels_.emplace(device_id, channel);
}

void PushHub::detach(const std::string& device_id, const PushChannel* channel) {
    std::lock_guard lock(mutex_);
    auto [first, last] = channels_.equal_range(device_id);
    for (auto it = first; it != last;) {
        auto held = it->second.lock();
        it = (!held || held.get() == channel) ? channels_.erase(it) : std::next(it);
    }
}

std::size_t PushHub::publish(const std::vector<std::string>& device_ids, const std::string& topic,
                             const std::string& payload) {
    std::vector<std::shared_ptr<PushChannel>> targets;
    {
        std::lock_guard lock(mutex_);
        for (const auto& device : device_ids) {
            auto [first, last] = channels_.equal_range(device);
            for (auto it = first; it != last; ++it) {
                if (auto channel = it->second.lock()) targets.push_back(std::move(channel));
            }
        }
    }
    for (const auto& channel : targets)
        channel->send(topic, payload);
    return targets.size();
}

}  // namespace synclatch::server
