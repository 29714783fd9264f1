// The HTTP message types the server's handlers take and return (Boost.Beast, string bodies), and what the
// server knows of the client that sent a request.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace synclatch::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The client of a request as its connection shows it. Behind a reverse proxy that is the proxy's address:
// X-Forwarded-For is not trusted (any client can set it).
struct ClientInfo {
    boost::asio::ip::address address;  // the unspecified address when unknown (in-process tests)
};

// The peer of a connected socket (the unspecified address once the peer is gone).
inline ClientInfo client_of(const boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ClientInfo{ec ? boost::asio::ip::address() : endpoint.address()};
}

}  // namespace synclatch::server
