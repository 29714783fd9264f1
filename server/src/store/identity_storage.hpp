// IdentityStorage: identities, the logins they sign in with, the temporary credentials that authenticate
// them, and the server's own secret; one of the interfaces a storage engine implements (storage.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

// Temporary credentials of one identity (Cognito Identity's GetCredentialsForIdentity).
struct IdentityCredentials {
    std::string access_key_id;
    std::string secret_key;
    std::string session_token;
    std::string identity_id;
    EpochMillis expiration = 0;
};

// A provider (the Logins key: an OpenID Connect provider's name, or the pool's developer provider) and
// the user's subject there (the token's sub, or the developer's user identifier). Tokens are verified
// before a Login reaches the storage: it is a proven fact.
struct Login {
    std::string provider;
    std::string subject;
    bool operator==(const Login&) const = default;
};

// A dataset of a merged identity, as it moved to the survivor.
struct MovedDataset {
    std::string from;  // its name under the merged identity
    std::string to;    // its name under the survivor
    std::int64_t sync_count = 0;
};

struct SignIn {
    std::string identity_id;            // who the caller is: the survivor when a merge happened
    bool created = false;               // made for these logins
    std::optional<std::string> merged;  // the guest identity merged into identity_id
    std::vector<MovedDataset> moved;    // the merged identity's datasets, as they moved
};

// ListIdentities' entries.
struct ListedIdentity {
    std::string identity_id;
    std::vector<Login> logins;
    EpochMillis created = 0;
    EpochMillis last_modified = 0;
};

// DescribeIdentity's answer.
struct IdentityDescription {
    std::string pool_id;
    std::vector<Login> logins;
    EpochMillis created = 0;
    EpochMillis last_modified = 0;
};

// The OpenID signing keys of a deployment whose servers share one database, as PEM (PKCS #8).
struct StoredSigningKeys {
    std::string current_pem;
    std::optional<std::string> previous_pem;
};
// The ServerBus topic that tells the servers the stored keys changed (a rotation).
inline constexpr std::string_view kSigningKeysTopic = "signing-keys";

// Thread-safety: every method may be called from any thread concurrently.
class IdentityStorage {
  public:
    virtual ~IdentityStorage() = default;

    // A new identity in the pool: "<region>:<uuid v4>", the region taken from the pool id. done runs once
    // the identity is durable, on a thread of the engine's (on the caller's, before this returns, for an
    // invalid pool id), and must not block: a flood of GetId must not hold the io threads.
    using CreateIdentityDone = std::function<void(Result<std::string>)>;
    virtual void submit_create_identity(std::string pool_id, EpochMillis now, CreateIdentityDone done) = 0;
    // The same, waiting for the outcome. Never call it from a done callback of the storage.
    Result<std::string> create_identity(std::string_view pool_id, EpochMillis now);
    // The pool an identity belongs to; not_found when the identity does not exist (or was merged away or
    // deleted: once merge(), delete_identities() or unlink() has returned, on every server of the database).
    virtual Result<std::string> pool_of(std::string_view identity_id) const = 0;

    // New temporary credentials for an existing identity, valid for lifetime_ms (expired ones of any
    // identity are dropped). done as for submit_create_identity; not_found when the identity does not exist.
    using IssueCredentialsDone = std::function<void(Result<IdentityCredentials>)>;
    virtual void submit_issue_credentials(std::string identity_id, EpochMillis now, EpochMillis lifetime_ms,
                                          IssueCredentialsDone done) = 0;
    // The same, waiting for the outcome. Never call it from a done callback of the storage.
    Result<IdentityCredentials> issue_credentials(std::string_view identity_id, EpochMillis now,
                                                  EpochMillis lifetime_ms);
    // The identity's credentials that expire last (of those that expire at the same time, always the same
    // one), if they expire after expiring_after; nullopt when none does.
    virtual Result<std::optional<IdentityCredentials>> newest_credentials(
        std::string_view identity_id, EpochMillis expiring_after) const = 0;
    // The credentials with that access key id (expired ones too: the caller checks expiration);
    // Errc::unauthorized, as an invalid token (credentials_not_found(), storage_errors.hpp), for unknown keys
    // and for those of an identity that can no longer act (merged, deleted, disabled).
    virtual Result<IdentityCredentials> find_credentials(std::string_view access_key_id) const = 0;

    // Merges identity `merged` into `survivor` in one durable transaction (docs/identity.md): all of it or
    // none of it, across a crash too. Once it returns, the merged identity is not found (pool_of), its
    // credentials no longer authenticate, and no write to it is applied.
    virtual Result<std::vector<MovedDataset>> merge(std::string_view survivor, std::string_view merged,
                                                    EpochMillis now) = 0;
    // The one identity all these logins are linked to, if they are all linked to one.
    virtual Result<std::optional<std::string>> find_for_logins(std::string_view pool_id,
                                                               const std::vector<Login>& logins) const = 0;
    // GetId with verified logins: the identity they are linked to, to which those not linked yet are
    // linked; or, when none is, a new identity with all of them; in one transaction. unauthorized when
    // they lead to two identities, or would give an identity a second user of one provider.
    virtual Result<SignIn> identity_for_logins(std::string_view pool_id, const std::vector<Login>& logins,
                                               EpochMillis now) = 0;
    // GetCredentialsForIdentity / GetOpenIdToken: may the caller act as identity_id, given the logins it
    // proved (and `proven`: it presented a token this server issued for identity_id)? Links new logins, or
    // merges a guest into the user's identity (whole once this returns, as merge() says).
    virtual Result<SignIn> authorize(std::string_view identity_id, const std::vector<Login>& logins,
                                     bool proven, EpochMillis now) = 0;
    // The identity an identity merged away lives on in (following merges of merges), or nullopt for one
    // that was never merged; not_found for no such identity.
    virtual Result<std::optional<std::string>> survivor_of(std::string_view identity_id) const = 0;
    // The identity's logins (none: a guest).
    virtual Result<std::vector<Login>> logins(std::string_view identity_id) const = 0;
    // UnlinkIdentity, UnlinkDeveloperIdentity, in one transaction; says whether the identity was disabled
    // (its last login went). Once it returns, a disabled identity's credentials no longer authenticate.
    virtual Result<bool> unlink(std::string_view identity_id, const std::vector<Login>& logins,
                                EpochMillis now) = 0;
    // DeleteIdentities, in one transaction: each identity with everything it holds; ids that name no
    // identity, or a merged one, are passed over. Once it returns, the deleted identities are not found and
    // their credentials no longer authenticate.
    virtual Status delete_identities(const std::vector<std::string>& identity_ids) = 0;
    // ListIdentities: a pool's identities after `after` in id order, at most `limit`, merged ones never
    // and disabled ones unless hide_disabled.
    virtual Result<std::vector<ListedIdentity>> list_identities(std::string_view pool_id,
                                                                std::string_view after, std::size_t limit,
                                                                bool hide_disabled) const = 0;
    // DescribeIdentity: not_found for an identity that does not exist or was merged.
    virtual Result<IdentityDescription> describe_identity(std::string_view identity_id) const = 0;

    // Identities imported from Amazon Cognito (ImportStorage::import_identity) may have logins whose users
    // the source did not give: only their providers, "unlinked".
    // GetCredentialsForIdentity presenting a valid token of a provider the imported identity has an unlinked
    // login of (when the server's options allow it): links `login` to the identity and forgets that
    // unlinked provider, in one transaction. false when the identity has no unlinked login of
    // login.provider, or has a login of it linked since (nothing written); conflict when the login is linked
    // to another identity; not_found for an identity that does not exist or was merged; unauthorized
    // (identity_disabled) for a disabled one.
    virtual Result<bool> link_imported_login(std::string_view identity_id, const Login& login,
                                             EpochMillis now) = 0;
    // The identity's unlinked providers, in name order (bytewise; DescribeIdentity and ListIdentities name
    // them); none for an unknown identity. IdentityStorage::authorize() does not know of them: to it, an
    // identity whose logins are all unlinked has none, a guest. A caller must look here first.
    virtual Result<std::vector<std::string>> unlinked_providers(std::string_view identity_id) const = 0;

    // A secret kept in the database, made on first use (signs sync session tokens): the same for every
    // server of the database.
    virtual Result<std::string> server_secret() = 0;

    // The OpenID signing keys (PEM) of an engine whose servers share one database, so that a token one
    // server issued is checked by all (auth/shared_signing_keys.hpp). An engine of one server keeps none:
    // its server keeps them in its data directory (OpenIdTokens::open), and these answer invalid_argument.
    virtual bool keeps_signing_keys() const noexcept { return false; }
    // The stored keys; nullopt before a server stored one.
    virtual Result<std::optional<StoredSigningKeys>> signing_keys() const { return no_signing_keys(); }
    // Stores `candidate` unless a current key is stored already; returns what is stored.
    virtual Result<StoredSigningKeys> adopt_signing_keys(const StoredSigningKeys& /*candidate*/) {
        return no_signing_keys();
    }

  private:
    static Status no_signing_keys() {
        return {Errc::invalid_argument,
                "this store keeps no signing keys: they are in the server's data directory"};
    }
};

}  // namespace synclatch::server
