// The test provider's JWKS file and tokens.
#include "support/test_login_provider.hpp"

#include <chrono>
#include <fstream>
#include <stdexcept>

namespace synclatch::test {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

TestLoginProvider::TestLoginProvider(const std::string& jwks_path, std::string client_id)
    : key_(TestSigningKey::rsa(kKeyId)), jwks_path_(jwks_path), client_id_(std::move(client_id)) {
    std::ofstream out(jwks_path_);
    out << jwks_of({&key_});
    if (!out.flush()) throw std::runtime_error("cannot write " + jwks_path_);
}

std::vector<std::string> TestLoginProvider::server_args() const {
    return {"--login-provider", std::string(kName) + "," + kIssuer + "," + client_id_ + "," + jwks_path_};
}

std::string TestLoginProvider::token(const std::string& subject, const TestSigningKey* signer) const {
    return (signer != nullptr ? *signer : key_)
        .jwt({{"iss", kIssuer},
              {"aud", client_id_},
              {"sub", subject},
              {"iat", now_seconds()},
              {"exp", now_seconds() + 600}});
}

nlohmann::json TestLoginProvider::logins(const std::string& subject) const {
    return {{kName, token(subject)}};
}

}  // namespace synclatch::test
