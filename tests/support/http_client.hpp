// HttpClient: a small synchronous Beast HTTP/1.1 client over one keep-alive connection, with optional
// SigV4 signing, for integration tests. Also raw socket access for hostile-input tests.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::test {

struct HttpResult {
    unsigned status = 0;
    std::string error_type;  // x-amzn-ErrorType
    std::string body;
    std::string retry_after;  // Retry-After
    bool keep_alive = false;  // the server keeps the connection open
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class HttpClient {
  public:
    // source_address: a loopback address to connect from (127.0.0.2, say), for a second "client address".
    explicit HttpClient(unsigned short port, std::string source_address = "");

    // Sends one request. With credentials it is SigV4-signed for cognito-sync (double-encoded path);
    // signed_target, when given, is what the signature covers instead of target (to test tampering).
    HttpResult send(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::optional<sync::sigv4::Credentials>& credentials = std::nullopt,
                    const std::vector<std::pair<std::string, std::string>>& extra_headers = {},
                    const std::optional<std::string>& signed_target = std::nullopt);
    // Cognito Identity: POST / with X-Amz-Target.
    HttpResult identity(const std::string& operation, const nlohmann::json& body);

    unsigned short port() const { return port_; }

  private:
    bool connect();
    boost::asio::io_context io_;
    std::optional<boost::beast::tcp_stream> stream_;
    unsigned short port_;
    std::string source_address_;
};

// Temporary credentials of a new identity in the default pool: {identity id, credentials}.
std::pair<std::string, sync::sigv4::Credentials> new_identity(HttpClient& client);
// "us-east-1:abc" -> "us-east-1%3Aabc", as SDKs put ids in paths.
std::string encode_path_segment(const std::string& text);
// The path of an identity's dataset in the default pool.
std::string dataset_path(const std::string& identity, const std::string& dataset);

// The current time as X-Amz-Date wants it (YYYYMMDDTHHMMSSZ).
std::string amz_date_now();

inline constexpr const char* kTestPool = "us-east-1:00000000-0000-0000-0000-000000000000";

}  // namespace synclatch::test
