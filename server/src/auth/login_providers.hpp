// LoginProviders: the identity providers of every identity pool, and the check the Cognito Identity API
// makes of a request's Logins map before anything is linked, looked up or merged: each entry names a
// provider of the pool and carries a valid token of it, or the whole request is NotAuthorized.
// Entries under cognito-identity.amazonaws.com carry a token this server issued (the developer-authenticated
// flow): they prove an identity, not a login.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity_pool_settings.hpp"
#include "auth/jwks_source.hpp"
#include "auth/open_id_tokens.hpp"
#include "store/sqlite/identity_logins.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

// What a Logins map proved.
struct VerifiedLogins {
    std::vector<Login> logins;                   // {provider name, sub} per OpenID Connect login, by name
    std::optional<std::string> proven_identity;  // the sub of a valid cognito-identity.amazonaws.com token
};

// Thread-safety: every method may be called from any number of threads at once. verify() and the
// accessors read an immutable snapshot of the pool (a shared_ptr copied under a mutex held only for the
// copy), so replace_pool() never waits for a verification nor a verification for a key fetch (JwksSource
// fetches in the background). Sources of a replaced or removed pool are stopped and kept until their
// thread has ended, so neither replace_pool() nor the end of a verification that held the old snapshot
// waits for a fetch in flight; the destructor does (at most JwksSourceOptions::fetch_timeout).
class LoginProviders {
  public:
    // Cognito's limits on a Logins map (LoginsMap, IdentityProviderToken). Beyond them a request is
    // NotAuthorized, as the proof asks (Cognito's own validation would say InvalidParameter).
    static constexpr std::size_t kMaxLogins = 10;
    static constexpr std::size_t kMaxTokenChars = LoginTokenVerifier::kMaxTokenChars;
    // Providers of all pools together: each keeps its keys (and, for a URL, a thread that refreshes them),
    // so pools made through the API cannot make the server hold an unbounded number.
    static constexpr std::size_t kMaxProviders = 256;

    // The providers of every pool; file keys are read now (an unreadable file is invalid_argument naming
    // pool and provider), URL keys are fetched in the background. own_tokens must outlive the registry.
    static Result<std::unique_ptr<LoginProviders>> open(const IdentityPoolSettingsMap& pools,
                                                        const OpenIdTokens& own_tokens,
                                                        JwksSourceOptions options = {});
    ~LoginProviders();
    LoginProviders(const LoginProviders&) = delete;
    LoginProviders& operator=(const LoginProviders&) = delete;

    // Checks a request's Logins member for pool_id at now. null (the member was absent) and {} prove
    // nothing and pass. Otherwise, all or nothing:
    //   not an object, or a token that is not a string: invalid_argument;
    //   more than kMaxLogins entries, a token over kMaxTokenChars: unauthorized;
    //   a key that is no provider of the pool: unauthorized ("<name> is not a login provider of this
    //   identity pool");
    //   a token its provider refuses: unauthorized with the provider's reason;
    //   cognito-identity.amazonaws.com: a token this server issued for pool_id, whose sub is the proven
    //   identity (a token of another pool is refused).
    // A pool without settings has the defaults: no providers, guests allowed.
    // reloading (optional): on a refusal because a token named a key not at hand, that provider's source;
    // the caller may wait while it is (re)loading (JwksSource::reloading) and verify again, which also
    // catches a load that ended between the check and the refusal. Null otherwise.
    Result<VerifiedLogins> verify(std::string_view pool_id, const nlohmann::json& logins_member,
                                  EpochMillis now,
                                  std::shared_ptr<const JwksSource>* reloading = nullptr) const;

    // Sets a pool's settings (CreateIdentityPool, UpdateIdentityPool). Providers whose settings did not
    // change keep their source and keys; new ones are opened as in open(): a new key file is read here, on
    // the caller's thread (a local file of at most 256 KiB), a new URL is fetched in the background. On an
    // error (invalid settings, an unreadable key file, limit_exceeded past kMaxProviders) nothing changes.
    Status replace_pool(std::string_view pool_id, const IdentityPoolSettings& settings);
    // Forgets a pool's settings (DeleteIdentityPool): it has the defaults again.
    void remove_pool(std::string_view pool_id);

    bool allow_unauthenticated(std::string_view pool_id) const;
    std::optional<std::string> developer_provider(std::string_view pool_id) const;
    // The settings given for the pool; nullopt for a pool without settings.
    std::optional<IdentityPoolSettings> settings(std::string_view pool_id) const;
    // The key source of a provider of a pool, or null (for tests and start-up diagnostics).
    std::shared_ptr<const JwksSource> source(std::string_view pool_id, std::string_view provider) const;
    // Waits until every URL source has loaded its keys once, or until timeout; says whether all did.
    bool wait_for_keys(std::chrono::milliseconds timeout) const;

  private:
    struct Pool {
        IdentityPoolSettings settings;
        std::map<std::string, std::shared_ptr<JwksSource>, std::less<>> providers;  // by name
    };

    LoginProviders(const OpenIdTokens& own_tokens, JwksSourceOptions options);
    // A pool for settings, reusing the sources of `previous` whose provider did not change.
    Result<std::shared_ptr<const Pool>> make_pool(const IdentityPoolSettings& settings,
                                                  const Pool* previous) const;
    std::shared_ptr<const Pool> find(std::string_view pool_id) const;
    // Stops the sources of `old` that `replacement` does not keep, and keeps them until their thread ends.
    void retire(const Pool& old, const Pool* replacement);  // mutex_ held

    const OpenIdTokens& own_tokens_;
    const JwksSourceOptions options_;
    // Held for a whole replace_pool()/remove_pool(), so that one never reuses a source another has retired.
    std::mutex update_mutex_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const Pool>, std::less<>> pools_;  // guarded by mutex_
    std::vector<std::shared_ptr<JwksSource>> retired_;                       // guarded by mutex_
};

}  // namespace synclatch::server
