// Push sync delivery: PushChannel is one device's WebSocket (/push?deviceId=...); PushHub maps device ids
// to their open channels and hands each a payload. A channel writes on its connection's thread, one frame
// in flight and a queue behind it (Beast's chat-multi pattern), so publishers on any thread never block.
// A hint only says "dataset D changed": a queued hint for D is replaced by a newer one, so a device that
// does not read holds at most one hint per dataset, and a channel further behind than kMaxPendingHints
// datasets is closed (the device syncs anyway when it reconnects).
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

#include "http/http_types.hpp"

namespace synclatch::server {

// Pending hints per channel beyond which the channel is closed as too slow.
inline constexpr std::size_t kMaxPendingHints = 64;
// Devices send nothing on a push channel but control frames: a larger message closes the channel.
inline constexpr std::size_t kMaxPushMessageBytes = 1024;

// Thread-safety: send() from any thread; run() once, on the connection's thread.
class PushChannel : public std::enable_shared_from_this<PushChannel> {
  public:
    // keep_alive owns the connection whose stream this channel speaks on.
    PushChannel(std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream);

    // Completes the WebSocket handshake for request, then reads (pings, close) until the peer goes away.
    // stopping() is checked before each read, so a server stop always ends the channel.
    boost::asio::awaitable<void> run(HttpRequest request, std::function<bool()> stopping);
    // Queues a text frame, or replaces the queued frame with the same topic that is not yet being written.
    // Dropped once the channel has closed.
    void send(std::string topic, std::string message);

  private:
    struct Pending {
        std::string topic;
        std::string message;
    };
    void enqueue(std::string topic, std::string message);  // on the connection's thread
    void write_next();                                     // on the connection's thread
    void close_too_slow();                                 // on the connection's thread

    std::shared_ptr<void> keep_alive_;
    boost::beast::websocket::stream<boost::beast::tcp_stream&> ws_;
    enum class State { handshake, open, closed };
    // On the connection's thread; kept during the handshake, sent once open. While open and not empty,
    // its front is being written.
    std::deque<Pending> queue_;
    State state_ = State::handshake;  // on the connection's thread
};

// Thread-safety: all methods may be called concurrently.
class PushHub {
  public:
    void attach(const std::string& device_id, const std::shared_ptr<PushChannel>& channel);
    void detach(const std::string& device_id, const PushChannel* channel);
    // Sends payload to every open channel of these devices; a newer payload of the same topic replaces one
    // still queued. Returns how many channels it was given to.
    std::size_t publish(const std::vector<std::string>& device_ids, const std::string& topic,
                        const std::string& payload);

  private:
    std::mutex mutex_;
    std::multimap<std::string, std::weak_ptr<PushChannel>> channels_;
};

}  // namespace synclatch::server
