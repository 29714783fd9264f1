// The /push upgrade: refuse with a typed HTTP error, or hand the connection to a PushChannel.
#include "push/push_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include "http/error_response.hpp"

namespace synclatch::server {

namespace asio = boost::asio;

PushService::PushService(DeviceStorage& store, PushHub& hub, Authenticator authenticate)
    : store_(store), hub_(hub), authenticate_(std::move(authenticate)) {}

asio::awaitable<void> PushService::serve(std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream,
                                         HttpRequest request, std::function<bool()> stopping) const {
    auto refuse = [&](const Status& status) -> asio::awaitable<void> {
        HttpResponse response = error_response(status, request.version(), false);
        co_await boost::beast::http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    };
    auto target = parse_target(request.target());
    if (!target.ok()) co_return co_await refuse(target.status());
    if (target->segments.size() != 1 || target->segments[0] != "push") {
        co_return co_await refuse(
            {Errc::not_found, "WebSocket upgrades are served on /push?deviceId=ID only"});
    }
    const auto device = target->param("deviceId");
    if (!device || device->empty() || device->size() > 256) {
        co_return co_await refuse({Errc::invalid_argument, "deviceId is required (1 to 256 characters)"});
    }
    auto principal = authenticate_(request, *target);
    if (!principal.ok()) co_return co_await refuse(principal.status());
    auto owner = store_.device_owner(*device);
    if (!owner.ok()) co_return co_await refuse(owner.status());
    if (!principal->may_act_on_identity(*owner)) {
        co_return co_await refuse({Errc::unauthorized, "the device belongs to another identity"});
    }

    const std::string device_id(*device);
    auto channel = std::make_shared<PushChannel>(std::move(keep_alive), stream);
    hub_.attach(device_id, channel);
    co_await channel->run(std::move(request), std::move(stopping));
    hub_.detach(device_id, channel.get());
}

}  // namespace synclatch::server
