// The Transfer-Encoding rule of RFC 9112 §6.3 for requests, and which parse errors are the client's.
#include "http/request_framing.hpp"

#include <boost/beast/http/error.hpp>

namespace synclatch::server {

namespace http = boost::beast::http;

bool body_length_is_unknowable(const HttpRequest& head, bool chunked) {
    return head.find(http::field::transfer_encoding) != head.end() && !chunked;
}

bool is_malformed_request(const boost::system::error_code& error) {
    return error == http::error::bad_target || error == http::error::bad_method ||
           error == http::error::bad_version || error == http::error::bad_field ||
           error == http::error::bad_value || error == http::error::bad_content_length ||
           error == http::error::bad_chunk || error == http::error::bad_transfer_encoding ||
           error == http::error::bad_line_ending || error == http::error::bad_chunk_extension ||
           error == http::error::bad_obs_fold || error == http::error::multiple_content_length;
}

}  // namespace synclatch::server
