// Error and JSON responses in the shape every AWS SDK parses.
#include "http/error_response.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;

namespace {

http::status status_of(std::string_view type) {
    if (type == "NotAuthorizedException") return http::status::forbidden;
    if (type == "ResourceNotFoundException") return http::status::not_found;
    if (type == "ResourceConflictException") return http::status::conflict;
    if (type == "TooManyRequestsException" || type == "LambdaThrottledException")
        return http::status::too_many_requests;
    if (type == "InternalErrorException") return http::status::internal_server_error;
    return http::status::bad_request;  // InvalidParameter, LimitExceeded and the other 400s
}

}  // namespace

std::string_view cognito_error_type(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument:
            return "InvalidParameterException";
        case Errc::not_found:
            return "ResourceNotFoundException";
        case Errc::conflict:
            return "ResourceConflictException";
        case Errc::limit_exceeded:
            return "LimitExceededException";
        case Errc::unauthorized:
            return "NotAuthorizedException";
        case Errc::throttled:
        case Errc::busy:
            return "TooManyRequestsException";
        default:
            return "InternalErrorException";
    }
}

std::string new_request_id() {
    // Unique, not secret: 8 random bytes drawn once per process, then a counter (a RAND_bytes call per
    // response cost more than the rest of answering a small request).
    struct Prefix {
        unsigned char bytes[8] = {};
        Prefix() { RAND_bytes(bytes, sizeof bytes); }
    };
    static const Prefix prefix;
    static std::atomic<std::uint64_t> counter{0};
    const std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    unsigned char bytes[16];
    std::memcpy(bytes, prefix.bytes, 8);
    for (int i = 0; i < 8; ++i)
        bytes[8 + i] = static_cast<unsigned char>(n >> (56 - 8 * i));
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    const std::string hex =
        sync::detail::hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
           "-" + hex.substr(20, 12);
}

HttpResponse json_response(std::string body, unsigned version, bool keep_alive) {
    HttpResponse response(http::status::ok, version);
    response.set(http::field::content_type, "application/json");
    response.set("x-amzn-RequestId", new_request_id());
    response.keep_alive(keep_alive);
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

HttpResponse error_response(std::string_view type, std::string_view message, unsigned version,
                            bool keep_alive) {
    HttpResponse response(status_of(type), version);
    response.set(http::field::content_type, "application/x-amz-json-1.1");
    response.set("x-amzn-ErrorType", type);
    response.set("x-amzn-RequestId", new_request_id());
    response.keep_alive(keep_alive);
    // Messages may quote what the client sent (an X-Amz-Target, a path), which need not be UTF-8: such
    // bytes are replaced (U+FFFD) rather than made an exception and a 500.
    response.body() = nlohmann::json{{"__type", type}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.prepare_payload();
    return response;
}

HttpResponse error_response(const Status& status, unsigned version, bool keep_alive) {
    return error_response(cognito_error_type(status.code()), status.message(), version, keep_alive);
}

}  // namespace synclatch::server
