// LoginTokenVerifier: checks a login token of one OpenID Connect provider, a JWT in JWS compact form (RFC
// 7519, 7515) signed RS256 or ES256 with a key of the provider's JWKS, the way Cognito Identity checks the
// tokens in a Logins map: signature, iss, aud, exp, nbf, iat and sub.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/json_web_keys.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

using core::EpochMillis;

// One trusted provider of a pool.
struct LoginProvider {
    std::string name;    // the Logins key ("accounts.example.com", "cognito-idp.<region>.amazonaws.com/<id>")
    std::string issuer;  // iss must equal it exactly (no trailing-slash or case leniency)
    // aud (a string, or an array of which any one matches) must name one of these: the app's client ids.
    // Cognito user pool access tokens name the client in client_id, not aud: only ID tokens pass here.
    std::vector<std::string> audiences;
    // Tolerance for clocks that disagree: exp may have passed by this much, nbf and iat be this far ahead.
    std::chrono::seconds clock_skew{60};
};

// What a valid token proves.
struct VerifiedLogin {
    std::string provider;        // LoginProvider::name
    std::string subject;         // sub: the user at that provider
    EpochMillis expires_at = 0;  // exp
};

// Why a token was refused, for callers that act on it (an unknown kid means: refresh the key set) and for
// tests. Every refusal is also Errc::unauthorized (NotAuthorizedException) with a message.
enum class LoginTokenRejection {
    none,
    too_long,   // more than kMaxTokenChars, refused before decoding anything
    malformed,  // not three base64url parts, JSON that is not an object, a claim of the wrong type
    unsupported_algorithm,  // alg other than RS256 and ES256 (none, HS256 ...), or crit headers
    unknown_key,            // no key with the header's kid in the current key set
    key_mismatch,           // the kid names a key of another type than alg needs (RS256 with an EC key)
    bad_signature,
    wrong_issuer,
    wrong_audience,
    expired,           // now >= exp + skew
    not_yet_valid,     // nbf > now + skew
    issued_in_future,  // iat > now + skew
    bad_subject,       // sub missing, empty, not a string or longer than kMaxSubjectBytes
};

std::string_view to_string(LoginTokenRejection rejection) noexcept;

// Thread-safety: verify() and keys() may be called from any number of threads at once, also while another
// thread calls replace_keys(). The key set is an immutable JsonWebKeySet behind a shared_ptr that a mutex
// guards only while it is copied or swapped: a verification works on the snapshot it took, unaffected by a
// refresh that lands meanwhile.
class LoginTokenVerifier {
  public:
    static constexpr std::size_t kMaxTokenChars = 50'000;  // Cognito's model limit for a Logins token
    // OpenID Connect Core §2: sub "MUST NOT exceed 255 ASCII characters in length".
    static constexpr std::size_t kMaxSubjectBytes = 255;

    // keys may be null until a first key set is loaded: every token is then refused as unknown_key.
    LoginTokenVerifier(LoginProvider provider, std::shared_ptr<const JsonWebKeySet> keys);

    // The login the token proves at now, or Errc::unauthorized saying what was wrong (never quoting the
    // token). rejection, when given, receives the reason (none on success).
    Result<VerifiedLogin> verify(std::string_view token, EpochMillis now,
                                 LoginTokenRejection* rejection = nullptr) const;

    // Swaps in a refreshed key set; verifications already running finish with the old one.
    void replace_keys(std::shared_ptr<const JsonWebKeySet> keys);
    std::shared_ptr<const JsonWebKeySet> keys() const;

    const LoginProvider& provider() const { return provider_; }

  private:
    LoginProvider provider_;
    mutable std::mutex mutex_;
    std::shared_ptr<const JsonWebKeySet> keys_;  // guarded by mutex_
};

}  // namespace synclatch::server
