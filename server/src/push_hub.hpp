// Push sync delivery: PushChannel is one device's WebSocket (/push?deviceId=...); PushHub maps device ids
// to their open channels and hands each a payload. A channel writes on its connection's thread, one frame
// in flight and a queue behind it (Beast's chat-multi pattern), so publishers on any thread never block.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_types.hpp"

namespace synclatch::server {

// Thread-safety: send() from any thread; run() once, on the connection's thread.
class PushChannel : public std::enable_shared_from_this<PushChannel> {
  public:
    // keep_alive owns the connection whose stream this channel speaks on.
    PushChannel(std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream);

    // Completes the WebSocket handshake for request, then reads (pings, close) until the peer goes away.
    // stopping() is checked before each read, so a server stop always ends the channel.
    boost::asio::awaitable<void> run(HttpRequest request, std::function<bool()> stopping);
    // Queues a text frame; dropped once the channel has closed.
    void send(std::string message);

  private:
    void write_next();  // on the connection's thread

    std::shared_ptr<void> keep_alive_;
    boost::beast::websocket::stream<boost::beast::tcp_stream&> ws_;
    enum class State { handshake, open, closed };
    std::deque<std::string> queue_;   // on the connection's thread; kept during the handshake, sent once open
    State state_ = State::handshake;  // on the connection's thread
};

// Thread-safety: all methods may be called concurrently.
class PushHub {
  public:
    void attach(const std::string& device_id, const std::shared_ptr<PushChannel>& channel);
    void detach(const std::string& device_id, const PushChannel* channel);
    // Sends payload to every open channel of these devices; returns how many channels it was given to.
    std::size_t publish(const std::vector<std::string>& device_ids, const std::string& payload);

  private:
    std::mutex mutex_;
    std::multimap<std::string, std::weak_ptr<PushChannel>> channels_;
};

}  // namespace synclatch::server
