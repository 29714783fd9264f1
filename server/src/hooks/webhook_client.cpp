// One HTTP/1.1 exchange per call (no connection reuse: hooks are called once per UpdateRecords of a pool
// that configured one, and a fresh connection keeps a slow or broken hook from poisoning the next call).
#include "hooks/webhook_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace synclatch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Result<sync::HttpUrl> parse_webhook_url(std::string_view url) {
    if (url.starts_with("https://"))
        return Status{Errc::invalid_argument, "https webhooks are not supported yet: use http://"};
    auto parsed = sync::parse_http_url(url);
    if (!parsed.ok()) return Status{Errc::invalid_argument, "webhook URL: " + parsed.status().message()};
    return parsed;
}

asio::awaitable<Result<WebhookAnswer>> post_webhook(const sync::HttpUrl& url, std::string body,
                                                    std::chrono::milliseconds timeout,
                                                    std::size_t max_answer_bytes) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto executor = co_await asio::this_coro::executor;
    const auto timed_out = [&] { return std::chrono::steady_clock::now() >= deadline; };
    auto failure = [&](const beast::error_code& ec, const char* what) -> Result<WebhookAnswer> {
        if (ec == beast::error::timeout || timed_out())
            return Status{Errc::timeout,
                          "the webhook did not answer within " + std::to_string(timeout.count()) + " ms"};
        return Status{Errc::unavailable,
                      std::string(what) + " " + url.endpoint.authority() + ": " + ec.message()};
    };

    asio::ip::tcp::resolver resolver(executor);
    beast::tcp_stream stream(executor);
    // Name resolution counts against the same deadline: a timer cancels it.
    asio::steady_timer resolve_deadline(executor, deadline);
    resolve_deadline.async_wait([&resolver](const beast::error_code& ec) {
        if (!ec) resolver.cancel();
    });
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(url.endpoint.host, std::to_string(url.endpoint.port), use_tuple);
    resolve_deadline.cancel();
    if (resolve_error) co_return failure(resolve_error, "cannot resolve");

    stream.expires_at(deadline);
    auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
    if (connect_error) co_return failure(connect_error, "cannot connect to");

    http::request<http::string_body> request(http::verb::post, url.target, 11);
    request.set(http::field::host, url.endpoint.authority());
    request.set(http::field::content_type, "application/json");
    request.set(http::field::user_agent, "synclatch-server");
    request.body() = std::move(body);
    request.prepare_payload();
    request.keep_alive(false);
    stream.expires_at(deadline);
    auto [write_error, written] = co_await http::async_write(stream, request, use_tuple);
    if (write_error) co_return failure(write_error, "cannot send to");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_answer_bytes);
    stream.expires_at(deadline);
    auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (read_error == http::error::body_limit)
        co_return Status{Errc::invalid_argument, "the webhook's answer is larger than " +
                                                     std::to_string(max_answer_bytes) + " bytes"};
    if (read_error) co_return failure(read_error, "no answer from");
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return WebhookAnswer{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace synclatch::server
