// PgServerBus: the ServerBus of the servers of one PostgreSQL database, over LISTEN/NOTIFY on channel
// "synclatch_bus". Each server keeps two connections of its own for it: one sends (NOTIFY, from a queue),
// one listens. A message names its sender, so a server skips its own. A lost connection is opened again
// (with backoff); what was sent meanwhile is lost, as the bus allows.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/server_bus.hpp"

namespace synclatch::server {

// Sends one bus message on conn (NOTIFY): inside a transaction, it goes out when that commits, and not
// at all when it rolls back.
Status pg_bus_notify(PgConnection& conn, const std::string& sender, const std::string& topic,
                     const std::string& payload);

class PgServerBus final : public ServerBus {
  public:
    // Messages waiting to be sent, at most (each at most kMaxMessageBytes: 7 MB in all); more are refused
    // (send() false) until the queue drains.
    static constexpr std::size_t kMaxQueued = 1'000;

    // Starts both threads; they connect when they first need to.
    PgServerBus(std::string conninfo, std::string instance_id);
    ~PgServerBus() override;  // stops both threads; unsent messages are dropped
    PgServerBus(const PgServerBus&) = delete;
    PgServerBus& operator=(const PgServerBus&) = delete;

    bool reaches_others() const noexcept override { return true; }
    bool send(std::string topic, std::string payload) override;
    void subscribe(Handler handler) override;

  private:
    void send_loop();
    void listen_loop();
    void deliver(const std::string& message);
    bool wait_unless_stopping(std::chrono::milliseconds how_long);  // false once stopping

    const std::string conninfo_;
    const std::string instance_id_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<std::string, std::string>> queue_;  // guarded by mutex_
    std::vector<Handler> handlers_;                          // guarded by mutex_
    bool stopping_ = false;                                  // guarded by mutex_
    int wake_pipe_[2] = {-1, -1};  // written at stop: ends the listener's wait on its socket
    std::thread sender_;
    std::thread listener_;
};

}  // namespace synclatch::server
