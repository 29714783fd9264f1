// Accept, read one request, answer, close; until the acceptor is closed.
#include "support/webhook_server.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace synclatch::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

WebhookServer::WebhookServer(Answer answer)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      acceptor_port_(acceptor_.local_endpoint().port()),
      answer_(std::move(answer)) {
    thread_ = std::thread([this] { serve(); });
}

WebhookServer::~WebhookServer() {
    stopping_ = true;
    // A blocking accept() is not woken by close() from another thread: a last connection wakes it.
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), acceptor_port_), ignored);
    thread_.join();
    acceptor_.close(ignored);
}

std::string WebhookServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_port_) + path;
}

void WebhookServer::set_answer(Answer answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
}

std::vector<std::string> WebhookServer::bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
}

void WebhookServer::serve() {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) continue;
        Answer answer;
        {
            std::lock_guard lock(mutex_);
            bodies_.push_back(request.body());
            answer = answer_;
        }
        auto [status, body] = answer(request.body());
        http::response<http::string_body> response(static_cast<http::status>(status), 11);
        response.set(http::field::content_type, "application/json");
        response.body() = std::move(body);
        response.prepare_payload();
        response.keep_alive(false);
        http::write(socket, response, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }
}

}  // namespace synclatch::test
