// SignedWebSocket: a WebSocket client whose upgrade request is SigV4-signed, as the server wants for
// /push and /streams/{name}/subscribe; reads one JSON text frame at a time with a deadline.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::test {

class SignedWebSocket {
  public:
    // Connects to 127.0.0.1:port and upgrades path?query; connected() tells whether that worked.
    SignedWebSocket(unsigned short port, const std::string& path, const std::string& query,
                    const sync::sigv4::Credentials& credentials);

    bool connected() const { return !error_; }
    // The next frame as JSON, or nothing when none comes within wait (the socket is unusable after that).
    std::optional<nlohmann::json> next(std::chrono::milliseconds wait);

  private:
    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::error_code error_;
};

}  // namespace synclatch::test
