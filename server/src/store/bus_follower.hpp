// BusFollower: keeps something of this server in step with what the other servers of its database change.
// It runs `refresh` on a thread of its own at once on a hint of its topic (ServerBus), and every `period`
// in any case, since a hint can be lost: what another server changed reaches this one within `period`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/server_bus.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

// Thread-safety: made and destroyed on one thread; refresh runs on the follower's own.
class BusFollower {
  public:
    // refresh: applies what changed; a failure is logged (one line per streak, naming `what`) and the next
    // pass tries again.
    BusFollower(ServerBus& bus, std::string topic, std::chrono::milliseconds period, std::string what,
                std::function<Status()> refresh);
    ~BusFollower();  // stops; refresh is not called once this returns
    BusFollower(const BusFollower&) = delete;
    BusFollower& operator=(const BusFollower&) = delete;

  private:
    void follow();

    const std::chrono::milliseconds period_;
    const std::string what_;
    const std::function<Status()> refresh_;
    // Shared with the bus's handler, which can outlive this object (the bus has no unsubscribe).
    struct Wakeup {
        std::mutex mutex;
        std::condition_variable wake;
        bool poked = false;     // guarded by mutex
        bool stopping = false;  // guarded by mutex
    };
    std::shared_ptr<Wakeup> wakeup_ = std::make_shared<Wakeup>();
    std::thread thread_;
};

}  // namespace synclatch::server
