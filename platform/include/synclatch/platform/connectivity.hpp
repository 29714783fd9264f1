// ConnectivityMonitor: whether this device can reach a network now, and notifications when that changes,
// so the sync engine waits for connectivity instead of failing while offline. open_system_connectivity()
// returns the OS's monitor; ManualConnectivity (manual_connectivity.hpp) lets a host app feed the state.
#pragma once

#include <functional>
#include <memory>

#include "synclatch/core/result.hpp"

namespace synclatch::platform {

namespace detail {
class ConnectivityListeners;
struct ConnectivityListener;
}  // namespace detail

// Move-only RAII handle returned by ConnectivityMonitor::on_change; dropping it unregisters the callback.
// (core::Subscription is tied to the dataset change dispatcher, hence this small sibling.)
// Thread-safety: reset() and the destructor may run on any thread. When reset() returns, the callback is
// not running on another thread and does not start again; called from inside the callback itself, it
// returns at once. It may outlive the monitor.
class ConnectivitySubscription {
  public:
    ConnectivitySubscription() = default;
    ConnectivitySubscription(std::weak_ptr<detail::ConnectivityListeners> listeners,
                             std::shared_ptr<detail::ConnectivityListener> listener);
    ConnectivitySubscription(ConnectivitySubscription&&) noexcept = default;
    ConnectivitySubscription& operator=(ConnectivitySubscription&& other) noexcept;
    ConnectivitySubscription(const ConnectivitySubscription&) = delete;
    ConnectivitySubscription& operator=(const ConnectivitySubscription&) = delete;
    ~ConnectivitySubscription();

    void reset() noexcept;
    bool active() const noexcept { return listener_ != nullptr; }

  private:
    std::weak_ptr<detail::ConnectivityListeners> listeners_;
    std::shared_ptr<detail::ConnectivityListener> listener_;
};

// Thread-safety: online() and on_change() may be called from any thread. Each implementation says on
// which thread callbacks run. A subscriber is told only about changes: it never sees the same value twice
// in a row, and the last value it sees is the current state.
class ConnectivityMonitor {
  public:
    virtual ~ConnectivityMonitor() = default;

    virtual bool online() const = 0;
    // `callback(online)` runs after each change of online() until the returned handle is reset. It must
    // not destroy the monitor.
    virtual ConnectivitySubscription on_change(std::function<void(bool online)> callback) = 0;
};

// The OS's monitor: on Linux, a netlink listener (online = some non-loopback interface is up and running
// and holds a routable address; changes are debounced and delivered on its own thread). Elsewhere, for
// now, a monitor that always reports online. unavailable when the OS refuses the monitor's socket or
// does not answer its initial dump.
Result<std::unique_ptr<ConnectivityMonitor>> open_system_connectivity();

}  // namespace synclatch::platform
