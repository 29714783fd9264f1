// A webhook call: POST of a JSON body to an http:// URL and its answer, all within one deadline, the
// answer bounded in size. Used for SyncTrigger hooks (Cognito Events) that live outside the server.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

struct WebhookUrl {
    std::string host;
    std::string port;    // "80" when the URL names none
    std::string target;  // path and query, "/" at least
};

// Parses "http://host[:port][/path]". https is refused: this server does not make TLS calls yet.
Result<WebhookUrl> parse_webhook_url(std::string_view url);

struct WebhookAnswer {
    unsigned status = 0;
    std::string body;
};

// unavailable when the hook cannot be reached, timeout when the deadline passes, invalid_argument when
// the answer is not HTTP or larger than max_answer_bytes.
boost::asio::awaitable<Result<WebhookAnswer>> post_webhook(const WebhookUrl& url, std::string body,
                                                           std::chrono::milliseconds timeout,
                                                           std::size_t max_answer_bytes);

}  // namespace synclatch::server
