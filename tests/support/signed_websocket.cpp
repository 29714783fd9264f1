// Signing the upgrade through a handshake decorator; reading with a deadline.
#include "support/signed_websocket.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "support/http_client.hpp"

namespace synclatch::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

SignedWebSocket::SignedWebSocket(unsigned short port, const std::string& path, const std::string& query,
                                 const sync::sigv4::Credentials& credentials)
    : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    const std::string host = "127.0.0.1:" + std::to_string(port);
    sync::sigv4::Request wire;
    wire.method = "GET";
    wire.path = path;
    wire.query = query;
    wire.headers = {{"Host", host}};
    sync::sigv4::sign(wire, credentials, "us-east-1", "cognito-sync", amz_date_now());
    ws_.set_option(websocket::stream_base::decorator([wire](websocket::request_type& request) {
        for (const auto& [name, value] : wire.headers) {
            if (name != "Host") request.set(name, value);
        }
    }));
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
    ws_.handshake(host, query.empty() ? path : path + "?" + query, error_);
}

// (A synchronous read would ignore the stream's deadline, so this reads asynchronously for `wait`.)
std::optional<nlohmann::json> SignedWebSocket::next(std::chrono::milliseconds wait) {
    beast::flat_buffer buffer;
    std::optional<nlohmann::json> frame;
    bool done = false;
    ws_.async_read(buffer, [&](beast::error_code ec, std::size_t) {
        done = true;
        if (!ec) frame = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
    });
    io_.restart();
    io_.run_for(wait);
    if (!done) {
        beast::get_lowest_layer(ws_).cancel();
        io_.restart();
        io_.run();
    }
    return frame;
}

}  // namespace synclatch::test
