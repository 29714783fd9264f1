// TestHttpServer: Beast sessions as C++20 coroutines on one io_context thread, so sessions and the
// idle-connection list need no locks; only the handler, the flags and the records are shared with tests.
#include "support/test_http_server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

namespace synclatch::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string TestHttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) return value;
    }
    return {};
}

namespace {

// A session's socket and state, for close_idle_connections().
struct SessionSlot {
    enum class State { reading, answering, silent };
    tcp::socket* socket = nullptr;
    State state = State::reading;
    bool idle = false;  // reading, and no byte of the next request has arrived
    bool close_after_answer = false;
};

}  // namespace

struct TestHttpServer::Impl {
    asio::io_context io{1};
    std::optional<ssl::context> tls;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::list<SessionSlot> sessions;  // touched only on the io thread

    bool answer_concurrently = false;
    std::atomic<std::size_t> accepted{0};
    std::atomic<bool> silent{false};
    std::string raw_reply;  // guarded by mutex
    mutable std::mutex mutex;
    Handler handler;                        // guarded by mutex
    std::vector<TestHttpRequest> requests;  // guarded by mutex
    std::thread thread;

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (error) co_return;
            ++accepted;
            if (tls) {
                asio::co_spawn(io, tls_session(std::move(socket)), asio::detached);
            } else {
                asio::co_spawn(io, session(beast::tcp_stream(std::move(socket))), asio::detached);
            }
        }
    }

    // Runs answer on a thread of its own; this session polls for its reply (every millisecond), so the io
    // thread goes on serving the others meanwhile. The poll is for the test server's simplicity: the worker
    // never touches the io_context, which may be shutting down by the time a slow handler returns.
    asio::awaitable<TestHttpReply> answer_on_own_thread(Handler answer, TestHttpRequest request) {
        auto reply = std::async(std::launch::async, [&answer, &request] { return answer(request); });
        asio::steady_timer poll(io);
        while (reply.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            poll.expires_after(std::chrono::milliseconds(1));
            co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        co_return reply.get();
    }

    asio::awaitable<void> tls_session(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
        auto [error] =
            co_await stream.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (error) co_return;  // the client refused our certificate: expected in TLS tests
        co_await session(std::move(stream));
    }

    template <class Stream>
    asio::awaitable<void> session(Stream stream) {
        auto slot = sessions.insert(sessions.end(), SessionSlot{&beast::get_lowest_layer(stream).socket()});
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            slot->state = SessionSlot::State::reading;
            slot->idle = buffer.size() == 0;
            auto [error, ignored] =
                co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
            slot->idle = false;
            slot->state = SessionSlot::State::answering;
            if (error) break;
            TestHttpRequest recorded{
                std::string(request.method_string()), std::string(request.target()), {}, request.body()};
            for (const auto& field : request) {
                recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            }
            Handler answer;
            std::string raw;
            {
                std::lock_guard lock(mutex);
                requests.push_back(recorded);
                answer = handler;
                raw = raw_reply;
            }
            if (silent) {
                slot->state = SessionSlot::State::silent;
                asio::steady_timer forever(io, std::chrono::hours(1));  // destroyed with the io_context
                co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
                break;
            }
            if (!raw.empty()) {
                co_await asio::async_write(stream, asio::buffer(raw), asio::as_tuple(asio::use_awaitable));
                break;
            }
            TestHttpReply reply{200, {}, "ok"};
            if (answer && answer_concurrently) {
                reply = co_await answer_on_own_thread(answer, recorded);
            } else if (answer) {
                reply = answer(recorded);
            }
            http::response<http::string_body> response(static_cast<http::status>(reply.status), 11);
            for (const auto& [name, value] : reply.headers)
                response.insert(name, value);
            response.body() = reply.body;
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            auto [write_error, written] =
                co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
            if (write_error || !request.keep_alive() || slot->close_after_answer) break;
        }
        sessions.erase(slot);
    }
};

TestHttpServer::TestHttpServer(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->answer_concurrently = options.answer_concurrently;
    if (options.tls) {
        auto& context = impl_->tls.emplace(ssl::context::tls_server);
        context.use_certificate_chain_file(SYNCLATCH_TEST_TLS_DIR "/cert.pem");
        context.use_private_key_file(SYNCLATCH_TEST_TLS_DIR "/key.pem", ssl::context::pem);
    }
    if (options.port != 0) {
        auto& acceptor = impl_->acceptor;
        const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), options.port);
        acceptor.close();
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen();
    }
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

TestHttpServer::~TestHttpServer() {
    impl_->io.stop();
    impl_->thread.join();
    // Sessions still suspended (silent ones) are destroyed with the io_context.
}

std::uint16_t TestHttpServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void TestHttpServer::set_handler(Handler handler) {
    std::lock_guard lock(impl_->mutex);
    impl_->handler = std::move(handler);
}

void TestHttpServer::set_silent(bool silent) {
    impl_->silent = silent;
}

void TestHttpServer::set_raw_reply(std::string bytes) {
    std::lock_guard lock(impl_->mutex);
    impl_->raw_reply = std::move(bytes);
}

void TestHttpServer::close_idle_connections() {
    // A session whose answer the client may already hold can still be finishing its write: it counts as
    // idle and closes right after. Poll until those are gone too.
    for (bool first = true;; first = false) {
        std::promise<bool> finishing;
        asio::post(impl_->io, [&] {
            bool any = false;
            for (auto& slot : impl_->sessions) {
                boost::system::error_code ignored;
                if (slot.idle) {
                    slot.socket->close(ignored);
                } else if (slot.state == SessionSlot::State::answering &&
                           (first || slot.close_after_answer)) {
                    slot.close_after_answer = true;
                    any = true;
                }
            }
            finishing.set_value(any);
        });
        if (!finishing.get_future().get()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

std::size_t TestHttpServer::accepted() const {
    return impl_->accepted;
}

std::vector<TestHttpRequest> TestHttpServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

}  // namespace synclatch::test
