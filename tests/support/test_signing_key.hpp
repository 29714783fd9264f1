// TestSigningKey: what an OpenID Connect provider does, for tests: a fresh RSA 2048 or EC P-256 key pair
// with a kid, JWTs signed with it under any header and claims (well-formed or not), and the JWKS that
// publishes its public half. Failures of OpenSSL throw std::runtime_error (a broken test set-up).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/json_web_keys.hpp"

namespace synclatch::test {

// Thread-safety: const methods may be called from any thread.
class TestSigningKey {
  public:
    static TestSigningKey rsa(std::string kid, int bits = 2048);
    static TestSigningKey ec_p256(std::string kid);

    const std::string& kid() const { return kid_; }
    // The public half as the server's key type (alg and use set, as a provider publishes it).
    const server::JsonWebKey& public_key() const { return public_key_; }
    // A JWKS document of this one key.
    std::string jwks() const;
    // The DER (SubjectPublicKeyInfo) of the public key: the bytes an HS256 forgery uses as its secret.
    std::string public_key_der() const;

    // The raw JWS signature of data: RS256 (PKCS #1 v1.5, SHA-256) for RSA, ES256 (r || s, 64 bytes)
    // for EC.
    std::string sign(std::string_view data) const;
    // base64url(header) "." base64url(claims) "." base64url(sign(...)); header and claims are dumped as
    // given, so they may be anything JSON.
    std::string jwt(const nlohmann::json& header, const nlohmann::json& claims) const;
    // A JWT with {"alg": RS256 or ES256, "typ": "JWT", "kid": kid()} as header.
    std::string jwt(const nlohmann::json& claims) const;

  private:
    TestSigningKey() = default;

    std::string kid_;
    std::shared_ptr<evp_pkey_st> private_key_;
    server::JsonWebKey public_key_;
};

// The JWKS document of several keys.
std::string jwks_of(const std::vector<const TestSigningKey*>& keys);

// header.claims.signature with each part given: base64url of the JSON texts and of the signature bytes.
std::string assemble_jwt(std::string_view header_json, std::string_view claims_json,
                         std::string_view signature);

}  // namespace synclatch::test
