// The route table of body limits; RequestHandler::dispatch has the same routes for the full request.
#include "api/request_body_limits.hpp"

#include <algorithm>

namespace synclatch::server {

namespace http = boost::beast::http;

std::size_t max_request_body_bytes(const HttpRequest& head, AuthMode auth, std::size_t max_body_bytes) {
    const auto method = head.method();
    if (method == http::verb::get || method == http::verb::head || method == http::verb::delete_)
        return std::min(max_body_bytes, kMaxUnsignedBodyBytes);
    const std::string_view target = head.target();
    if (target == "/" || target.starts_with("/?")) return std::min(max_body_bytes, kMaxIdentityBodyBytes);
    if (auth == AuthMode::sigv4 && head.find(http::field::authorization) == head.end())
        return std::min(max_body_bytes, kMaxUnsignedBodyBytes);
    return max_body_bytes;
}

}  // namespace synclatch::server
