// SharedSigningKeys: the OpenID signing keys of servers that share one database
// (IdentityStorage::keeps_signing_keys), so that a token any of them issued is checked by all. Every server
// signs with the database's current key and accepts its previous one. The first server to start stores its
// data directory's keys when it has them (a deployment that gave its servers the same key files keeps
// its tokens valid), else a new key; the others use what it stored and leave their own files unused.
// `synclatch-server rotate-signing-key` rotates them (pg_signing_keys.hpp): every server follows at
// once on its bus hint, and within kRefreshEvery in any case (docs/scaling.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/open_id_tokens.hpp"
#include "store/bus_follower.hpp"
#include "store/identity_storage.hpp"
#include "store/server_bus.hpp"

namespace synclatch::server {

// The keys in data_dir's files (OpenIdTokens::kKeyFile, kPreviousKeyFile) as PEM, for a store to keep;
// nullopt when there is no current key file. Errors as read_signing_key's.
Result<std::optional<StoredSigningKeys>> read_signing_key_files(const std::filesystem::path& data_dir);

// Thread-safety: tokens() may be used from any thread (OpenIdTokens is); the rest from the thread that
// made the object.
class SharedSigningKeys {
  public:
    static constexpr std::chrono::seconds kRefreshEvery{10};

    // The store's keys (stored first from data_dir's files, or made, when it has none); tokens name issuer
    // as iss. Errors: the store's, or corrupt for a stored key that does not read.
    static Result<std::unique_ptr<SharedSigningKeys>> open(IdentityStorage& store, ServerBus& bus,
                                                           const std::filesystem::path& data_dir,
                                                           std::string issuer);
    ~SharedSigningKeys() = default;  // stops following (follower_ is destroyed first)
    SharedSigningKeys(const SharedSigningKeys&) = delete;
    SharedSigningKeys& operator=(const SharedSigningKeys&) = delete;

    const OpenIdTokens& tokens() const { return tokens_; }

  private:
    SharedSigningKeys(IdentityStorage& store, OpenIdTokens tokens, StoredSigningKeys applied);
    // Takes the stored keys when they are not the ones in use.
    Status refresh();

    IdentityStorage& store_;
    OpenIdTokens tokens_;
    StoredSigningKeys applied_;  // the keys tokens_ has
    std::unique_ptr<BusFollower> follower_;
};

}  // namespace synclatch::server
