// How a request's body is delimited, checked once its headers are read (RFC 9112 §6). Beast rejects
// Content-Length with Transfer-Encoding and malformed lengths itself; this is the rule it leaves to us.
#pragma once

#include "http_types.hpp"

namespace synclatch::server {

// True when a request's body length cannot be known: it has a Transfer-Encoding whose final coding is not
// chunked (RFC 9112 §6.3: answer 400 and close, or the body's bytes would be read as the next request).
// chunked: what the parser found (request_parser::chunked()).
bool body_length_is_unknowable(const HttpRequest& head, bool chunked);

}  // namespace synclatch::server
