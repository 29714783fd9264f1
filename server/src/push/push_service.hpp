// PushService: answers WebSocket upgrades on /push?deviceId=ID. The upgrade request is authenticated like
// any other (SigV4 headers on the GET), the device must belong to an identity the principal may act on,
// and then the device's channel receives a push payload (PROTOCOL.md §3.6) whenever another device
// changes a dataset it is subscribed to.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>

#include "auth/authenticator.hpp"
#include "http/http_types.hpp"
#include "push/push_hub.hpp"
#include "store/device_storage.hpp"

namespace synclatch::server {

// Thread-safety: serve() may run for many connections at once.
class PushService {
  public:
    PushService(DeviceStorage& store, PushHub& hub, Authenticator authenticate);

    // keep_alive owns the connection of stream; the coroutine returns when the channel closes.
    boost::asio::awaitable<void> serve(std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream,
                                       HttpRequest request, std::function<bool()> stopping) const;

  private:
    DeviceStorage& store_;
    PushHub& hub_;
    Authenticator authenticate_;
};

}  // namespace synclatch::server
