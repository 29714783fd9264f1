// OpenIdTokens: the OpenID Connect tokens of Cognito Identity's GetOpenIdToken (PROTOCOL.md §5), JWTs
// signed RS256 like Cognito's, with Cognito's claims: iss (this server), sub (the identity id), aud (its
// identity pool), amr, iat and exp. The public keys are published as a JWKS, so an app's backend can
// check these tokens with any JWT library, and this server checks them when one comes back as the
// cognito-identity.amazonaws.com login.
//
// Keys live in the data directory of a server alone on its store:
//   openid-signing-key.pem           the current key: signs every new token. Made (RSA 2048, mode 0600)
//                                    on the first start.
//   openid-signing-key.previous.pem  optional: published and accepted, never used to sign.
// To rotate: rename the current file to the previous name and restart (a new current key is made); once
// the longest token lifetime (kMaxLifetimeMs) has passed, delete the previous file and restart again.
// Servers that share a database keep them in it instead, and follow its rotations
// (auth/shared_signing_keys.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/json_web_keys.hpp"
#include "auth/login_token_verifier.hpp"
#include "auth/signing_key_file.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

// Thread-safety: every method may be called from any thread; replace_keys() swaps the keys whole, so a
// token is signed or checked with one set of keys or the next, never a mix.
class OpenIdTokens {
  public:
    static constexpr EpochMillis kDefaultLifetimeMs = 15 * 60 * 1000;   // Cognito's default: 15 minutes
    static constexpr EpochMillis kMaxLifetimeMs = 24 * 60 * 60 * 1000;  // TokenDuration's limit: 1 day
    static constexpr std::string_view kKeyFile = "openid-signing-key.pem";
    static constexpr std::string_view kPreviousKeyFile = "openid-signing-key.previous.pem";
    // The Logins key under which our own tokens come back.
    static constexpr std::string_view kLoginProvider = "cognito-identity.amazonaws.com";

    // The keys of data_dir (the current one made if absent); tokens name issuer as iss. Errors as
    // read_or_create_signing_key and read_signing_key have them.
    static Result<OpenIdTokens> open(const std::filesystem::path& data_dir, std::string issuer);

    // From keys already in hand (tests that cannot afford a key generation per server).
    OpenIdTokens(SigningKey current, std::optional<SigningKey> previous, std::string issuer);

    // A token for identity_id of pool_id, valid from now for lifetime_ms (1 s to kMaxLifetimeMs, else
    // invalid_argument). amr as Cognito has it: {"unauthenticated"}, or {"authenticated", "<provider>",
    // ...} for an identity with logins.
    Result<std::string> issue(std::string_view pool_id, std::string_view identity_id, EpochMillis now,
                              const std::vector<std::string>& amr = {"unauthenticated"},
                              EpochMillis lifetime_ms = kDefaultLifetimeMs) const;

    // Checks a token this server issued (with the current or the previous key) for pool_id, as
    // LoginTokenVerifier does: the login's subject is the identity id.
    Result<VerifiedLogin> verify(std::string_view token, std::string_view pool_id, EpochMillis now,
                                 LoginTokenRejection* rejection = nullptr) const;

    // From now on, signs with `current` and accepts tokens of `current` and `previous`.
    void replace_keys(SigningKey current, std::optional<SigningKey> previous);

    // The JWKS of the current and the previous key (public halves only), for GET /.well-known/jwks.json.
    std::string jwks_json() const { return keys()->jwks_json; }
    std::string key_id() const { return keys()->current.public_key.kid; }
    const std::string& issuer() const { return issuer_; }

  private:
    struct Keys {
        SigningKey current;
        std::shared_ptr<const JsonWebKeySet> published;  // current, then previous
        std::string jwks_json;
    };
    static std::shared_ptr<const Keys> make_keys(SigningKey current, std::optional<SigningKey> previous);
    std::shared_ptr<const Keys> keys() const;

    std::string issuer_;
    // Behind a pointer so that OpenIdTokens stays movable (a Result<OpenIdTokens>).
    struct Current {
        mutable std::mutex mutex;
        std::shared_ptr<const Keys> keys;  // guarded by mutex
    };
    std::unique_ptr<Current> current_ = std::make_unique<Current>();
};

}  // namespace synclatch::server
