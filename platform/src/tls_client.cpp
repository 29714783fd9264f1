// TLS context and host verification (OpenSSL through Asio).
#include "tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace synclatch::platform::detail {

namespace ssl = boost::asio::ssl;

std::optional<ssl::context> make_tls_context(const std::string& ca_file, Status& error) {
    std::optional<ssl::context> context(std::in_place, ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_verify_mode(ssl::verify_peer);
    boost::system::error_code failed;
    if (ca_file.empty()) {
        context->set_default_verify_paths(failed);
    } else {
        context->load_verify_file(ca_file, failed);
    }
    if (failed) {
        error = {Errc::invalid_argument,
                 "cannot load the CA certificates '" + ca_file + "': " + failed.message()};
        return std::nullopt;
    }
    return context;
}

bool VerifyHost::operator()(bool preverified, ssl::verify_context& context) const {
    const bool ok = check_(preverified, context);
    if (preverified && !ok) {
        X509_STORE_CTX_set_error(context.native_handle(),
                                 is_ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
}

}  // namespace synclatch::platform::detail
