// WebhookServer: a tiny HTTP server on 127.0.0.1 for tests of outgoing calls (SyncTrigger webhooks). It
// answers each request with what the test's function returns, one connection at a time, on its own thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace synclatch::test {

class WebhookServer {
  public:
    // (status, body) for a request body.
    using Answer = std::function<std::pair<unsigned, std::string>(const std::string& body)>;

    explicit WebhookServer(Answer answer);
    ~WebhookServer();
    WebhookServer(const WebhookServer&) = delete;
    WebhookServer& operator=(const WebhookServer&) = delete;

    std::string url(const std::string& path = "/hook") const;
    void set_answer(Answer answer);
    std::vector<std::string> bodies() const;  // every request body received, in order

  private:
    void serve();

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short acceptor_port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    Answer answer_;                    // guarded by mutex_
    std::vector<std::string> bodies_;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace synclatch::test
