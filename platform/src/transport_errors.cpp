// Error code to Status mapping for the HTTP client.
#include "transport_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace synclatch::platform::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Lower-case wording for the common socket errors (strerror capitalizes and varies by OS).
std::string describe(const boost::system::error_code& error) {
    if (error == asio::error::connection_refused) return "connection refused";
    if (error == asio::error::connection_reset) return "connection reset by the server";
    if (error == asio::error::connection_aborted) return "connection aborted";
    if (error == asio::error::broken_pipe) return "connection closed by the server (broken pipe)";
    if (error == asio::error::eof || error == http::error::end_of_stream)
        return "connection closed by the server";
    if (error == http::error::partial_message) return "connection closed in the middle of the answer";
    if (error == asio::error::host_unreachable) return "host unreachable";
    if (error == asio::error::network_unreachable) return "network unreachable";
    if (error == asio::error::host_not_found || error == asio::error::host_not_found_try_again)
        return "unknown host";
    return error.message();
}

}  // namespace

Status timeout_status(const FailureContext& context) {
    return {Errc::timeout, std::string(context.where) + ": no answer within " +
                               std::to_string(context.deadline.count()) + " ms"};
}

Status transport_status(const FailureContext& context, Stage stage, const boost::system::error_code& error) {
    const std::string where(context.where);
    if (error == beast::error::timeout) return timeout_status(context);
    if (error.category() == http::make_error_code(http::error::end_of_stream).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message) {
        if (error == http::error::body_limit) {
            return {Errc::invalid_argument, where + ": the answer's body is larger than " +
                                                std::to_string(context.max_response_bytes) + " bytes"};
        }
        return {Errc::invalid_argument, where + ": malformed HTTP answer: " + error.message()};
    }
    switch (stage) {
        case Stage::resolve:
            return {Errc::unavailable, where + ": cannot resolve the host name: " + describe(error)};
        case Stage::connect:
            return {Errc::unavailable, where + ": " + describe(error)};
        case Stage::handshake:
            if (!context.tls_detail.empty())
                return {Errc::unavailable, where + ": TLS: " + std::string(context.tls_detail)};
            if (error.category() == asio::error::get_ssl_category()) {
                return {Errc::unavailable, where + ": TLS: " + error.message()};
            }
            return {Errc::unavailable, where + ": TLS handshake: " + describe(error)};
        case Stage::write:
        case Stage::read:
            break;
    }
    if (error == asio::ssl::error::stream_truncated) {
        return {Errc::unavailable, where + ": connection closed by the server (TLS stream truncated)"};
    }
    return {Errc::unavailable, where + ": " + describe(error)};
}

bool is_stale_connection_error(const boost::system::error_code& error) {
    return error == http::error::end_of_stream || error == asio::error::eof ||
           error == asio::error::connection_reset || error == asio::error::connection_aborted ||
           error == asio::error::broken_pipe || error == asio::ssl::error::stream_truncated;
}

}  // namespace synclatch::platform::detail
