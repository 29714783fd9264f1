// IdentityStore: signed-in identities on the server's database (docs/identity.md): the logins linked to
// identities, and identity merges. It shares SyncStore's database, writer and caches, and keeps its own
// rules (identity_logins.hpp, identity_merge.hpp) out of SyncStore.
#pragma once

#include <string_view>
#include <vector>

#include "store/sqlite/identity_logins.hpp"
#include "store/sqlite/identity_merge.hpp"
#include "store/sqlite/sync_store.hpp"

namespace synclatch::server {

// Thread-safety: every method may be called from any thread concurrently (writes take the store's writer
// in turn, like SyncStore's own). The store must outlive it.
class IdentityStore {
  public:
    explicit IdentityStore(SyncStore& store);

    // Merges identity `merged` into `survivor` in one durable transaction (identity_merge.hpp): all of it or
    // none of it, across a crash too. Once it returns, the merged identity is not found (pool_of), its
    // credentials no longer authenticate, and no write to it is applied.
    Result<std::vector<MovedDataset>> merge(std::string_view survivor, std::string_view merged,
                                            EpochMillis now);

    // The one identity all these logins are linked to, if they are all linked to one (a read).
    Result<std::optional<std::string>> find_for_logins(std::string_view pool_id,
                                                       const std::vector<Login>& logins) const;
    // GetId with verified logins (identity_for_logins in identity_logins.hpp), in one transaction.
    Result<SignIn> identity_for_logins(std::string_view pool_id, const std::vector<Login>& logins,
                                       EpochMillis now);
    // GetCredentialsForIdentity / GetOpenIdToken (authorize_identity in identity_logins.hpp). What changes
    // nothing (a guest without logins, an identity presenting its own) is answered from a read; a link or
    // a merge is one transaction, and a merge is whole once this returns, as merge() says.
    Result<SignIn> authorize(std::string_view identity_id, const std::vector<Login>& logins, bool proven,
                             EpochMillis now);
    // The identity an identity merged away lives on in (following merges of merges), or nullopt for one
    // that was never merged; not_found for no such identity.
    Result<std::optional<std::string>> survivor_of(std::string_view identity_id) const;
    // The identity's logins (none: a guest).
    Result<std::vector<Login>> logins(std::string_view identity_id) const;

    // UnlinkIdentity, UnlinkDeveloperIdentity (unlink_logins in identity_logins.hpp), in one transaction;
    // says whether the identity was disabled (its last login went). Once it returns, a disabled
    // identity's credentials no longer authenticate.
    Result<bool> unlink(std::string_view identity_id, const std::vector<Login>& logins, EpochMillis now);

    // DeleteIdentities, in one transaction: each identity with everything it holds (delete_identity in
    // identity_deletion.hpp); ids that name no identity, or a merged one, are passed over. Once it returns,
    // the deleted identities are not found and their credentials no longer authenticate.
    Status remove(const std::vector<std::string>& identity_ids);

    // ListIdentities: a pool's identities after `after` in id order, at most `limit`, merged ones never
    // and disabled ones unless hide_disabled.
    struct Listed {
        std::string identity_id;
        std::vector<Login> logins;
        EpochMillis created = 0;
        EpochMillis last_modified = 0;
    };
    Result<std::vector<Listed>> list(std::string_view pool_id, std::string_view after, std::size_t limit,
                                     bool hide_disabled) const;

    // DescribeIdentity: not_found for an identity that does not exist or was merged.
    struct Description {
        std::string pool_id;
        std::vector<Login> logins;
        EpochMillis created = 0;
        EpochMillis last_modified = 0;
    };
    Result<Description> describe(std::string_view identity_id) const;

  private:
    // Runs fn(db) -> Result<T> in one transaction on the store's writer; the identities it merged away or
    // deleted (retired_of(value)) are remembered before any later write runs. Defined in the .cpp, its only
    // user.
    template <class T, class Fn, class RetiredOf>
    Result<T> write_retiring(Fn&& fn, RetiredOf&& retired_of);
    // After a merge, a deletion or a disable committed: what the caches must no longer hold of an identity
    // that cannot act any more (its pool, its credentials).
    void forget(const std::string& identity);

    SyncStore::Impl& impl_;
};

}  // namespace synclatch::server
