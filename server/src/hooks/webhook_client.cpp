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

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.starts_with("https://"))
        return Status{Errc::invalid_argument, "https webhooks are not supported yet: use http://"};
    if (!url.starts_with(kScheme) || url.size() > 2048)
        return Status{Errc::invalid_argument, "a webhook must be an http:// URL of at most 2048 characters"};
    url.remove_prefix(kScheme.size());
    const auto slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    WebhookUrl parsed;
    parsed.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    parsed.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    const bool port_ok = !parsed.port.empty() && parsed.port.size() <= 5 &&
                         parsed.port.find_first_not_of("0123456789") == std::string::npos;
    if (parsed.host.empty() || !port_ok || authority.find('@') != std::string_view::npos)
        return Status{Errc::invalid_argument, "a webhook URL needs a host and, if any, a numeric port"};
    for (char c : parsed.target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return Status{Errc::invalid_argument,
                          "a webhook URL must not contain spaces or control characters"};
    }
    return parsed;
}

asio::awaitable<Result<WebhookAnswer>> post_webhook(const WebhookUrl& url, std::string body,
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
                      std::string(what) + " " + url.host + ":" + url.port + ": " + ec.message()};
    };

    asio::ip::tcp::resolver resolver(executor);
    beast::tcp_stream stream(executor);
    // Name resolution counts against the same deadline: a timer cancels it.
    asio::steady_timer resolve_deadline(executor, deadline);
    resolve_deadline.async_wait([&resolver](const beast::error_code& ec) {
        if (!ec) resolver.cancel();
    });
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
    resolve_deadline.cancel();
    if (resolve_error) co_return failure(resolve_error, "cannot resolve");

    stream.expires_at(deadline);
    auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
    if (connect_error) co_return failure(connect_error, "cannot connect to");

    http::request<http::string_body> request(http::verb::post, url.target, 11);
    request.set(http::field::host, url.host + ":" + url.port);
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
