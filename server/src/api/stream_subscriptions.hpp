// StreamSubscriptions: WebSocket /streams/{name}/subscribe?after=SEQ. After the upgrade (authenticated
// like any request, developer only) the server sends every record of the stream after SEQ, one text frame
// each ({"SequenceNumber", "PartitionKey", "Data", "ApproximateArrivalTimestamp"}, oldest first), then each
// new record as it is appended, until either side closes. A slow reader is never buffered for: the next
// records are read only once the last frame is written.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "auth/authenticator.hpp"
#include "http/http_types.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// Subscribers send nothing but control frames: a larger message closes the subscription.
inline constexpr std::size_t kMaxSubscriberMessageBytes = 1024;

// Thread-safety: serve() may run for many connections at once.
class StreamSubscriptions {
  public:
    StreamSubscriptions(StreamStorage& store, Authenticator authenticate);

    // Whether an upgrade request is for a stream subscription.
    static bool owns(const HttpRequest& request);
    // keep_alive owns the connection of stream; returns when the subscription ends.
    boost::asio::awaitable<void> serve(std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream,
                                       HttpRequest request, std::function<bool()> stopping) const;

  private:
    StreamStorage& store_;
    Authenticator authenticate_;
};

}  // namespace synclatch::server
