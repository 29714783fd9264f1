// The follower's thread: wait for a hint or the period, refresh, repeat.
#include "store/bus_follower.hpp"

#include <utility>

#include "telemetry/log.hpp"

namespace synclatch::server {

BusFollower::BusFollower(ServerBus& bus, std::string topic, std::chrono::milliseconds period,
                         std::string what, std::function<Status()> refresh)
    : period_(period), what_(std::move(what)), refresh_(std::move(refresh)) {
    // The bus's thread must not wait for the database: it only wakes ours.
    bus.subscribe([wakeup = wakeup_, topic = std::move(topic)](const std::string& heard, const std::string&) {
        if (heard != topic) return;
        {
            std::lock_guard lock(wakeup->mutex);
            wakeup->poked = true;
        }
        wakeup->wake.notify_all();
    });
    thread_ = std::thread([this] { follow(); });
}

BusFollower::~BusFollower() {
    {
        std::lock_guard lock(wakeup_->mutex);
        wakeup_->stopping = true;
    }
    wakeup_->wake.notify_all();
    thread_.join();
}

void BusFollower::follow() {
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(wakeup_->mutex);
            wakeup_->wake.wait_for(lock, period_, [this] { return wakeup_->stopping || wakeup_->poked; });
            if (wakeup_->stopping) return;
            wakeup_->poked = false;
        }
        if (Status s = refresh_(); !s) {
            if (!failing) log(LogLevel::warn, what_ + ": " + s.to_string());
            failing = true;
        } else {
            failing = false;
        }
    }
}

}  // namespace synclatch::server
