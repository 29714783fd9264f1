// ConnectivityListeners: the subscriber list every ConnectivityMonitor shares; it delivers changes so that
// each subscriber sees only changes and ends on the current state, and lets a subscription wait out a
// callback that is running when it is reset.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "synclatch/platform/connectivity.hpp"

namespace synclatch::platform::detail {

struct ConnectivityListener {
    // Held while the callback runs, so reset() from another thread waits for it; recursive so the callback
    // may reset its own subscription or cause a nested notify().
    std::recursive_mutex mutex;
    std::function<void(bool)> callback;
    bool active = true;  // guarded by mutex
    bool last = false;   // the last value this listener saw (guarded by mutex)
};

// Thread-safety: all methods may be called concurrently. Owned through a shared_ptr: subscriptions hold a
// weak_ptr to it.
class ConnectivityListeners : public std::enable_shared_from_this<ConnectivityListeners> {
  public:
    // `current` is the state the subscriber starts from: it is notified only when the state differs.
    ConnectivitySubscription add(std::function<void(bool)> callback, bool current);
    void remove(const ConnectivityListener* listener);

    // Delivers `current()` to each listener whose last value differs. Reading the state under each
    // listener's lock (rather than passing a value) keeps racing notifiers from leaving a listener on a
    // stale value.
    void notify(const std::function<bool()>& current);

  private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<ConnectivityListener>> listeners_;  // guarded by mutex_
};

}  // namespace synclatch::platform::detail
