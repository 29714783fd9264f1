// ManualConnectivity: a ConnectivityMonitor whose state the host app sets, for platforms where the app
// learns about connectivity from its own framework (Android's ConnectivityManager, iOS's NWPathMonitor).
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "synclatch/platform/connectivity.hpp"

namespace synclatch::platform {

// Thread-safety: every method may be called from any thread. Callbacks run on the thread that calls
// set_online(); a callback may call set_online() or reset its own subscription.
class ManualConnectivity final : public ConnectivityMonitor {
  public:
    explicit ManualConnectivity(bool online = true);
    ~ManualConnectivity() override;
    ManualConnectivity(const ManualConnectivity&) = delete;
    ManualConnectivity& operator=(const ManualConnectivity&) = delete;

    bool online() const override;
    ConnectivitySubscription on_change(std::function<void(bool online)> callback) override;

    // Records the state and notifies subscribers if it changed.
    void set_online(bool online);

  private:
    std::atomic<bool> online_;
    std::shared_ptr<detail::ConnectivityListeners> listeners_;
};

}  // namespace synclatch::platform
