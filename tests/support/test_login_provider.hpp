// A stand-in OpenID Connect provider for tests against the real server: a key of its own, its JWKS in a
// file the server reads (--login-provider), and ID tokens for any user, fresh at each call.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_signing_key.hpp"

namespace synclatch::test {

// Seconds since the epoch now, as JWT claims count time.
std::int64_t now_seconds();

class TestLoginProvider {
  public:
    static constexpr const char* kName = "accounts.example.com";  // the Logins key
    static constexpr const char* kIssuer = "https://accounts.example.com";
    static constexpr const char* kKeyId = "test-provider-key";

    // Writes the JWKS to jwks_path; tokens carry client_id as aud.
    TestLoginProvider(const std::string& jwks_path, std::string client_id);

    // The server flags that trust this provider in the default pool.
    std::vector<std::string> server_args() const;
    // An ID token of `subject` valid for ten minutes, signed by the provider's key or by `signer` (a
    // stranger's key under the same kid, say).
    std::string token(const std::string& subject, const TestSigningKey* signer = nullptr) const;
    // {kName: token(subject)}, a request's Logins member.
    nlohmann::json logins(const std::string& subject) const;
    const std::string& client_id() const { return client_id_; }

  private:
    TestSigningKey key_;
    std::string jwks_path_;
    std::string client_id_;
};

}  // namespace synclatch::test
