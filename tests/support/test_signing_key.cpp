// Test keys made with OpenSSL 3's EVP_PKEY_Q_keygen, signatures with EVP_DigestSign (ES256's DER
// signature converted to the raw r || s that JWS uses).
#include "support/test_signing_key.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "encoding/base64url.hpp"

namespace synclatch::test {

namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("test signing key: " + what);
}

}  // namespace

TestSigningKey TestSigningKey::rsa(std::string kid, int bits) {
    TestSigningKey key;
    key.kid_ = std::move(kid);
    key.private_key_.reset(EVP_RSA_gen(static_cast<unsigned>(bits)), EVP_PKEY_free);
    if (!key.private_key_) fail("cannot generate an RSA key");
    auto jwk = server::JsonWebKey::from_key(*key.private_key_, key.kid_);
    if (!jwk.ok()) fail(jwk.status().to_string());
    key.public_key_ = std::move(jwk).value();
    return key;
}

TestSigningKey TestSigningKey::ec_p256(std::string kid) {
    TestSigningKey key;
    key.kid_ = std::move(kid);
    key.private_key_.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key.private_key_) fail("cannot generate an EC key");
    auto jwk = server::JsonWebKey::from_key(*key.private_key_, key.kid_);
    if (!jwk.ok()) fail(jwk.status().to_string());
    key.public_key_ = std::move(jwk).value();
    return key;
}

std::string TestSigningKey::jwks() const {
    return jwks_of({this});
}

std::string TestSigningKey::public_key_der() const {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(private_key_.get(), &der);
    if (length <= 0) fail("cannot encode the public key");
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

std::string TestSigningKey::sign(std::string_view data) const {
    const DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t size = 0;
    if (!context ||
        EVP_DigestSignInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, private_key_.get(),
                              nullptr) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1) {
        fail("cannot sign");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        fail("cannot sign");
    }
    signature.resize(size);
    if (public_key_.type == server::JsonWebKeyType::rsa) return signature;

    // ES256: the DER SEQUENCE {r, s} becomes r || s, each left-padded to 32 bytes.
    const auto* read = reinterpret_cast<const unsigned char*>(signature.data());
    const EcdsaSignature parsed(d2i_ECDSA_SIG(nullptr, &read, static_cast<long>(signature.size())),
                                ECDSA_SIG_free);
    if (!parsed) fail("cannot read the ECDSA signature");
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(parsed.get()), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(parsed.get()), out + 32, 32) != 32) {
        fail("cannot write r || s");
    }
    return raw;
}

std::string TestSigningKey::jwt(const nlohmann::json& header, const nlohmann::json& claims) const {
    const std::string signed_part = server::base64url(header.dump()) + "." + server::base64url(claims.dump());
    return signed_part + "." + server::base64url(sign(signed_part));
}

std::string TestSigningKey::jwt(const nlohmann::json& claims) const {
    return jwt({{"alg", server::jws_algorithm(public_key_.type)}, {"typ", "JWT"}, {"kid", kid_}}, claims);
}

std::string jwks_of(const std::vector<const TestSigningKey*>& keys) {
    std::vector<server::JsonWebKey> jwks;
    for (const auto* key : keys)
        jwks.push_back(key->public_key());
    auto text = server::JsonWebKeySet(std::move(jwks)).to_json();
    if (!text.ok()) fail(text.status().to_string());
    return std::move(text).value();
}

std::string assemble_jwt(std::string_view header_json, std::string_view claims_json,
                         std::string_view signature) {
    return server::base64url(header_json) + "." + server::base64url(claims_json) + "." +
           server::base64url(signature);
}

}  // namespace synclatch::test
