// The bus's two threads: one drains the queue into NOTIFYs, one waits on its LISTEN connection.
#include "store/postgres/pg_server_bus.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "store/postgres/pg_connection.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {

// On the wire: "<sender>\n<topic>\n<payload>" (ids and topics hold no newline).
std::string framed(const std::string& sender, const std::string& topic, const std::string& payload) {
    std::string message;
    message.reserve(sender.size() + topic.size() + payload.size() + 2);
    message.append(sender).append("\n").append(topic).append("\n").append(payload);
    return message;
}

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

}  // namespace

Status pg_bus_notify(PgConnection& conn, const std::string& sender, const std::string& topic,
                     const std::string& payload) {
    return conn.exec("SELECT pg_notify('synclatch_bus', $1)", {framed(sender, topic, payload)}).status();
}

PgServerBus::PgServerBus(std::string conninfo, std::string instance_id)
    : conninfo_(std::move(conninfo)), instance_id_(std::move(instance_id)) {
    if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
    sender_ = std::thread([this] { send_loop(); });
    listener_ = std::thread([this] { listen_loop(); });
}

PgServerBus::~PgServerBus() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (wake_pipe_[1] >= 0) {
        const char byte = 0;
        [[maybe_unused]] const auto written = ::write(wake_pipe_[1], &byte, 1);
    }
    sender_.join();
    listener_.join();
    for (int fd : wake_pipe_)
        if (fd >= 0) ::close(fd);
}

bool PgServerBus::send(std::string topic, std::string payload) {
    if (topic.size() + payload.size() > kMaxMessageBytes) return false;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= kMaxQueued) return false;
        queue_.emplace_back(std::move(topic), std::move(payload));
    }
    changed_.notify_all();
    return true;
}

void PgServerBus::subscribe(Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_.push_back(std::move(handler));
}

bool PgServerBus::wait_unless_stopping(std::chrono::milliseconds how_long) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, how_long, [this] { return stopping_; });
}

void PgServerBus::send_loop() {
    std::optional<PgConnection> conn;
    auto backoff = kFirstBackoff;
    for (;;) {
        std::pair<std::string, std::string> next;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        if (!conn || !conn->usable()) {
            auto opened = PgConnection::open(conninfo_);
            if (!opened) {
                log(LogLevel::debug, "server bus: cannot connect to send: " + opened.status().to_string());
                if (!wait_unless_stopping(backoff)) return;
                backoff = std::min(backoff * 2, kMaxBackoff);
                continue;  // this message is lost, as the bus allows
            }
            conn.emplace(std::move(opened).value());
            backoff = kFirstBackoff;
        }
        if (Status sent = pg_bus_notify(*conn, instance_id_, next.first, next.second); !sent)
            log(LogLevel::debug, "server bus: " + sent.to_string());
    }
}

void PgServerBus::listen_loop() {
    auto backoff = kFirstBackoff;
    for (;;) {
        auto opened = PgConnection::open(conninfo_);
        if (opened) {
            if (auto listening = opened->exec("LISTEN synclatch_bus"); !listening)
                opened = listening.status();
        }
        if (!opened) {
            log(LogLevel::debug, "server bus: cannot listen: " + opened.status().to_string());
            if (!wait_unless_stopping(backoff)) return;
            backoff = std::min(backoff * 2, kMaxBackoff);
            continue;
        }
        backoff = kFirstBackoff;
        PgConnection& conn = *opened;
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            pollfd waits[2] = {{conn.socket(), POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
            if (::poll(waits, wake_pipe_[0] >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR) break;
            auto received = conn.take_notifications();
            if (!received) {
                log(LogLevel::info, "server bus: the listening connection is lost; opening it again");
                break;
            }
            for (const auto& notice : *received)
                deliver(notice.payload);
        }
    }
}

void PgServerBus::deliver(const std::string& message) {
    const auto first = message.find('\n');
    const auto second = first == std::string::npos ? first : message.find('\n', first + 1);
    if (second == std::string::npos) return;  // not one of ours
    if (std::string_view(message).substr(0, first) == instance_id_) return;
    const std::string topic = message.substr(first + 1, second - first - 1);
    const std::string payload = message.substr(second + 1);
    std::vector<Handler> handlers;
    {
        std::lock_guard lock(mutex_);
        handlers = handlers_;
    }
    for (const auto& handler : handlers)
        handler(topic, payload);
}

}  // namespace synclatch::server
