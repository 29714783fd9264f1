// TestHttpServer: a small HTTP/1.1 (or HTTPS) server on 127.0.0.1 for tests of HTTP clients. It keeps
// connections alive, counts the ones it accepts, records every request, and can stay silent or close its
// idle connections, so tests can provoke reuse, timeouts and stale connections. Boost stays in the .cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclatch::test {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct TestHttpRequest {
    std::string method;
    std::string target;
    TestHeaders headers;
    std::string body;

    // The first header with this (case-insensitive) name, or empty.
    std::string header(std::string_view name) const;
};

struct TestHttpReply {
    unsigned status = 200;
    TestHeaders headers;
    std::string body;
};

// Thread-safety: every method may be called from any thread while the server runs on its own thread.
class TestHttpServer {
  public:
    struct Options {
        bool tls = false;  // serve HTTPS with tests/support/tls/{cert,key}.pem
        // 0: any free port. Else this one: a server that comes up where a client already looks for it.
        std::uint16_t port = 0;
        // Each answer runs on a thread of its own, so a handler that waits (for a test's signal) holds up
        // only its own request; the handler is then called concurrently. Every handler must have returned
        // before the server is destroyed. false: handlers run on the server's thread, one at a time.
        bool answer_concurrently = false;
    };
    using Handler = std::function<TestHttpReply(const TestHttpRequest&)>;

    explicit TestHttpServer(Options options);
    TestHttpServer() : TestHttpServer(Options{}) {}
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    std::uint16_t port() const;
    // The answer to each request (default: 200 "ok"). Runs on the server's thread (see answer_concurrently).
    void set_handler(Handler handler);
    // Silent: requests are read but never answered (the connection stays open).
    void set_silent(bool silent);
    // Non-empty: these bytes are written instead of an answer, then the connection is closed.
    void set_raw_reply(std::string bytes);
    // Closes every connection that waits for its next request (or is finishing an answer); returns once
    // they are closed.
    void close_idle_connections();

    std::size_t accepted() const;  // connections accepted so far
    std::vector<TestHttpRequest> requests() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::test
