// TLS client setup shared by the HTTP client and the push channel: a context that verifies the server
// against the system's CA store (or a given PEM file), and per-stream SNI and host name verification.
#pragma once

#include <boost/asio/ssl.hpp>
#include <optional>
#include <string>

#include "synclatch/core/status.hpp"

namespace synclatch::platform::detail {

// TLS 1.2 or newer, peer verification on. error: invalid_argument naming the file that cannot be loaded.
std::optional<boost::asio::ssl::context> make_tls_context(const std::string& ca_file, Status& error);

// Sets SNI (for a host name, never an IP literal) and verification of the certificate against host.
// error_prefix starts the message ("host:port: TLS: ...").
template <class SslStream>
Status prepare_tls_stream(SslStream& stream, const std::string& host, bool host_is_ip,
                          const std::string& where);

// Asio's host_name_verification, plus a verification error on mismatch so that SSL_get_verify_result
// names the cause ("hostname mismatch") instead of a generic handshake failure.
class VerifyHost {
  public:
    VerifyHost(const std::string& host, bool is_ip) : check_(host), is_ip_(is_ip) {}
    bool operator()(bool preverified, boost::asio::ssl::verify_context& context) const;

  private:
    boost::asio::ssl::host_name_verification check_;
    bool is_ip_;
};

template <class SslStream>
Status prepare_tls_stream(SslStream& stream, const std::string& host, bool host_is_ip,
                          const std::string& where) {
    if (!host_is_ip && SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1)
        return {Errc::unavailable, where + ": TLS: cannot set the server name"};
    boost::system::error_code error;
    stream.set_verify_callback(VerifyHost(host, host_is_ip), error);
    if (error) return {Errc::unavailable, where + ": TLS: " + error.message()};
    return {};
}

}  // namespace synclatch::platform::detail
