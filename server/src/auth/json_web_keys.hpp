// JSON Web Keys (RFC 7517) for verifying signed JWTs: a JWKS document, as an OpenID Connect provider
// publishes it, read into OpenSSL public keys (RSA for RS256, EC P-256 for ES256), and our own public keys
// written as JWKS for relying parties.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace synclatch::server {

// The kinds of key a JWT signature may be checked with here; each has exactly one algorithm.
enum class JsonWebKeyType {
    rsa,      // "RSA", modulus of kMinRsaBits to kMaxRsaBits: RS256
    ec_p256,  // "EC" on P-256: ES256
};

// "RS256" or "ES256": the one JWS algorithm a key of that type verifies here.
std::string_view jws_algorithm(JsonWebKeyType type) noexcept;

// A public key with its JWK metadata. A value type; the key itself is shared and never modified, so copies
// may be used from several threads at once.
struct JsonWebKey {
    std::string kid;
    JsonWebKeyType type = JsonWebKeyType::rsa;
    std::string alg;  // as the JWK says ("" when it says none); if set, it is jws_algorithm(type)
    std::string use;  // as the JWK says ("" when it says none); if set, it is "sig"
    std::shared_ptr<evp_pkey_st> key;  // only read once made (OpenSSL wants non-const pointers)

    // The public half of key (a public or private EVP_PKEY) under kid, typed from the key itself;
    // invalid_argument for a kind of key this file does not handle (other curves, RSA outside the bounds).
    static Result<JsonWebKey> from_key(const evp_pkey_st& key, std::string kid);
};

// An immutable set of keys, looked up by kid.
// Thread-safety: immutable after parse(); const methods may be called from any thread.
class JsonWebKeySet {
  public:
    static constexpr std::size_t kMaxDocumentBytes = 256 * 1024;  // ~100 RSA-8192 keys
    static constexpr std::size_t kMaxKeys = 100;                  // entries in "keys", kept or not
    static constexpr std::size_t kMaxKidBytes = 256;
    static constexpr int kMinRsaBits = 2048;  // below: too weak to trust (NIST SP 800-131A)
    static constexpr int kMaxRsaBits = 8192;  // above: a verification costs too much for untrusted input

    JsonWebKeySet() = default;
    explicit JsonWebKeySet(std::vector<JsonWebKey> keys) : keys_(std::move(keys)) {}

    // Reads a JWKS document ({"keys": [...]}). Keys this server cannot use are skipped, not fatal, since
    // providers publish keys for other purposes too: another kty or curve, "use" other than "sig", an
    // "alg" other than RS256/ES256, RSA moduli outside the bounds, a missing kid, or a kid already seen
    // (the first keeps it). invalid_argument for a malformed document: not JSON within
    // sync::kJsonRequestLimits or kMaxDocumentBytes, no "keys" array, more than kMaxKeys entries, an entry
    // that is not an object, a member of a known key with the wrong JSON type or bad base64url, or a key
    // OpenSSL refuses (an EC point off the curve).
    static Result<JsonWebKeySet> parse(std::string_view document);

    // The key named kid, or nullptr.
    const JsonWebKey* find(std::string_view kid) const;
    const std::vector<JsonWebKey>& keys() const { return keys_; }
    // How many entries of the parsed document were skipped (see parse).
    std::size_t skipped() const { return skipped_; }

    // The JWKS document of these keys: public parts only, each with kid, "use": "sig" and its alg.
    Result<std::string> to_json() const;

  private:
    std::vector<JsonWebKey> keys_;
    std::size_t skipped_ = 0;
};

// One key as a JWK object (public members only, with "use": "sig" and the alg of its type).
Result<nlohmann::json> to_jwk(const JsonWebKey& key);

}  // namespace synclatch::server
