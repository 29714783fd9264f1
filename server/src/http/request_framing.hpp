// How a request's body is delimited, checked once its headers are read (RFC 9112 §6), and which of Beast's
// parse errors are the client's fault. Beast rejects Content-Length with Transfer-Encoding and malformed
// lengths itself; the Transfer-Encoding rule is left to us.
#pragma once

#include <boost/system/error_code.hpp>

#include "http/http_types.hpp"

namespace synclatch::server {

// True when a request's body length cannot be known: it has a Transfer-Encoding whose final coding is not
// chunked (RFC 9112 §6.3: answer 400 and close, or the body's bytes would be read as the next request).
// chunked: what the parser found (request_parser::chunked()).
bool body_length_is_unknowable(const HttpRequest& head, bool chunked);

// True for Beast's parse errors that mean the client sent something that is not HTTP/1.1 as RFC 9112 has
// it: the server answers 400 and closes. (The connection ending early, and the size limits, are not.)
bool is_malformed_request(const boost::system::error_code& error);

}  // namespace synclatch::server
