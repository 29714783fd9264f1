// How BeastHttpClient turns Asio, Beast and OpenSSL error codes into synclatch Status values whose
// message names host:port and the cause ("127.0.0.1:9: connection refused").
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "synclatch/core/status.hpp"

namespace synclatch::platform::detail {

// The step of an exchange that failed, for the message.
enum class Stage { resolve, connect, handshake, write, read };

struct FailureContext {
    std::string_view where;              // "host:port"
    std::chrono::milliseconds deadline;  // for timeout messages
    std::size_t max_response_bytes;      // for body_limit messages
    std::string_view tls_detail;         // the certificate verification result, when the handshake failed
};

Status timeout_status(const FailureContext& context);

// unavailable for network and TLS failures, invalid_argument for a malformed or oversized answer,
// timeout when the stream's deadline fired.
Status transport_status(const FailureContext& context, Stage stage, const boost::system::error_code& error);

// True for the ways a kept-alive connection the server closed while idle fails on first use.
bool is_stale_connection_error(const boost::system::error_code& error);

}  // namespace synclatch::platform::detail
