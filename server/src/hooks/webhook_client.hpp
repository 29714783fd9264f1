// A webhook call: POST of a JSON body to an http:// URL and its answer, all within one deadline, the
// answer bounded in size. Used for SyncTrigger hooks (Cognito Events) that live outside the server.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"

namespace synclatch::server {

// An http:// URL (sync::parse_http_url's rules); https is refused: webhooks make no TLS calls yet.
Result<sync::HttpUrl> parse_webhook_url(std::string_view url);

struct WebhookAnswer {
    unsigned status = 0;
    std::string body;
};

// unavailable when the hook cannot be reached, timeout when the deadline passes, invalid_argument when
// the answer is not HTTP or larger than max_answer_bytes.
boost::asio::awaitable<Result<WebhookAnswer>> post_webhook(const sync::HttpUrl& url, std::string body,
                                                           std::chrono::milliseconds timeout,
                                                           std::size_t max_answer_bytes);

}  // namespace synclatch::server
