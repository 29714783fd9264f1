// ConnectivitySubscription and the shared listener list of the connectivity monitors.
#include "synclatch/platform/connectivity.hpp"

#include <algorithm>

#include "connectivity_listeners.hpp"

namespace synclatch::platform {

ConnectivitySubscription::ConnectivitySubscription(std::weak_ptr<detail::ConnectivityListeners> listeners,
                                                   std::shared_ptr<detail::ConnectivityListener> listener)
    : listeners_(std::move(listeners)), listener_(std::move(listener)) {}

ConnectivitySubscription& ConnectivitySubscription::operator=(ConnectivitySubscription&& other) noexcept {
    if (this != &other) {
        reset();
        listeners_ = std::move(other.listeners_);
        listener_ = std::move(other.listener_);
    }
    return *this;
}

ConnectivitySubscription::~ConnectivitySubscription() {
    reset();
}

void ConnectivitySubscription::reset() noexcept {
    if (!listener_) return;
    {
        std::lock_guard lock(listener_->mutex);  // waits for a callback running on another thread
        listener_->active = false;
    }
    if (auto listeners = listeners_.lock()) listeners->remove(listener_.get());
    listener_.reset();
    listeners_.reset();
}

namespace detail {

ConnectivitySubscription ConnectivityListeners::add(std::function<void(bool)> callback, bool current) {
    auto listener = std::make_shared<ConnectivityListener>();
    listener->callback = std::move(callback);
    listener->last = current;
    {
        std::lock_guard lock(mutex_);
        listeners_.push_back(listener);
    }
    return ConnectivitySubscription(weak_from_this(), std::move(listener));
}

void ConnectivityListeners::remove(const ConnectivityListener* listener) {
    std::lock_guard lock(mutex_);
    std::erase_if(listeners_, [listener](const auto& l) { return l.get() == listener; });
}

void ConnectivityListeners::notify(const std::function<bool()>& current) {
    std::vector<std::shared_ptr<ConnectivityListener>> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot = listeners_;
    }
    // Callbacks run without mutex_, so they may subscribe or unsubscribe.
    for (const auto& listener : snapshot) {
        std::lock_guard lock(listener->mutex);
        if (!listener->active) continue;
        const bool now = current();
        if (now == listener->last) continue;
        listener->last = now;
        listener->callback(now);
    }
}

}  // namespace detail

}  // namespace synclatch::platform
