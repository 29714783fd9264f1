// ManualConnectivity: the state a host app sets, delivered to subscribers on the setter's thread.
#include "synclatch/platform/manual_connectivity.hpp"

#include "connectivity_listeners.hpp"

namespace synclatch::platform {

ManualConnectivity::ManualConnectivity(bool online)
    : online_(online), listeners_(std::make_shared<detail::ConnectivityListeners>()) {}

ManualConnectivity::~ManualConnectivity() = default;

bool ManualConnectivity::online() const {
    return online_.load(std::memory_order_acquire);
}

ConnectivitySubscription ManualConnectivity::on_change(std::function<void(bool online)> callback) {
    return listeners_->add(std::move(callback), online());
}

void ManualConnectivity::set_online(bool online) {
    online_.store(online, std::memory_order_release);
    listeners_->notify([this] { return this->online(); });
}

}  // namespace synclatch::platform
