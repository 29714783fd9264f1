// ServerBus: hints between the servers of one database. A server that took a write tells the others (for
// instance "these devices should sync this dataset"), so that a client connected to any server hears of a
// change made through any other. Best effort: a hint can be lost (a server's listening connection drops, a
// server restarts), so nothing may depend on one for correctness, only for how soon clients learn of a
// change; each use says what covers a lost hint.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace synclatch::server {

// Thread-safety: every method may be called from any thread.
class ServerBus {
  public:
    using Handler = std::function<void(const std::string& topic, const std::string& payload)>;
    // topic and payload together, at most: PostgreSQL's NOTIFY takes 8000 bytes.
    static constexpr std::size_t kMaxMessageBytes = 7000;

    virtual ~ServerBus() = default;
    // Whether any other server can hear: callers skip building messages nobody would read.
    virtual bool reaches_others() const noexcept = 0;
    // Sends to every other server of the database and returns at once (the bus sends it from a thread of
    // its own). False, and nothing sent, for a message over kMaxMessageBytes or while too many wait.
    virtual bool send(std::string topic, std::string payload) = 0;
    // Adds a handler for the messages of other servers (never this one's own). Handlers run on the bus's
    // thread, one message at a time, and must not block.
    virtual void subscribe(Handler handler) = 0;
};

// The bus of a server alone on its database (the embedded engine): nobody to tell.
class SoloBus final : public ServerBus {
  public:
    bool reaches_others() const noexcept override { return false; }
    bool send(std::string topic, std::string payload) override {
        return topic.size() + payload.size() <= kMaxMessageBytes;
    }
    void subscribe(Handler) override {}
};

}  // namespace synclatch::server
