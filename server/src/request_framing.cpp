// The Transfer-Encoding rule of RFC 9112 §6.3 for requests.
#include "request_framing.hpp"

namespace synclatch::server {

bool body_length_is_unknowable(const HttpRequest& head, bool chunked) {
    return head.find(boost::beast::http::field::transfer_encoding) != head.end() && !chunked;
}

}  // namespace synclatch::server
