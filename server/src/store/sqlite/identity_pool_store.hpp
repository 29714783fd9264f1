// IdentityPoolStore: the identity pools an operator makes through the API (CreateIdentityPool and the
// rest, docs/identity.md "Pool administration") on the server's database: their definitions, and the
// deletion of a pool with everything in it. It shares SyncStore's database, writer and caches, as
// IdentityStore does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sync_store.hpp"

namespace synclatch::server {

// Thread-safety: every method may be called from any thread concurrently. The store must outlive it.
class IdentityPoolStore {
  public:
    explicit IdentityPoolStore(SyncStore& store);

    // A pool and its definition (JSON text, the IdentityPool shape), in one transaction; conflict when the
    // pool exists already.
    Status create(std::string_view pool_id, std::string_view definition, EpochMillis now);
    // The definition of a pool made through the API; nullopt for a pool from the server's options;
    // not_found for no pool.
    Result<std::optional<std::string>> definition(std::string_view pool_id) const;
    // How many pools were made through the API.
    Result<std::int64_t> count() const;
    // Every pool made through the API, with its definition (for the server's start).
    Result<std::vector<std::pair<std::string, std::string>>> definitions() const;
    // Replaces the definition of a pool made through the API; not_found for any other pool id.
    Status update(std::string_view pool_id, std::string_view definition, EpochMillis now);

    struct Listed {
        std::string pool_id;
        std::optional<std::string> definition;  // nullopt: a pool from the server's options
    };
    // ListIdentityPools: every pool after `after` in id order, at most `limit`.
    Result<std::vector<Listed>> list(std::string_view after, std::size_t limit) const;

    // DeleteIdentityPool of a pool made through the API (not_found otherwise), in one transaction: every
    // identity of the pool with all it holds (as DeleteIdentities deletes one), then the pool. Once it
    // returns, the pool is not found, its identities are not, their credentials no longer authenticate and
    // no write to them that was on its way is applied.
    Status remove(std::string_view pool_id);

  private:
    SyncStore::Impl& impl_;
};

}  // namespace synclatch::server
