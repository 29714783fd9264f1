// Adopting, reading and following the database's signing keys.
#include "auth/shared_signing_keys.hpp"

#include <optional>
#include <utility>

#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {

struct ReadKeys {
    SigningKey current;
    std::optional<SigningKey> previous;
};

Result<ReadKeys> read_keys(const StoredSigningKeys& stored) {
    auto current = signing_key_from_pem(stored.current_pem);
    if (!current) return Status{Errc::corrupt, "the stored OpenID signing key " + current.status().message()};
    std::optional<SigningKey> previous;
    if (stored.previous_pem) {
        auto read = signing_key_from_pem(*stored.previous_pem);
        if (!read)
            return Status{Errc::corrupt, "the stored previous OpenID signing key " + read.status().message()};
        previous = std::move(read).value();
    }
    return ReadKeys{std::move(current).value(), std::move(previous)};
}

// What a first server offers the store: its data directory's keys, or a new one.
Result<StoredSigningKeys> candidate_keys(const std::filesystem::path& data_dir) {
    auto files = read_signing_key_files(data_dir);
    if (!files) return files.status();
    if (*files) return std::move(**files);
    auto made = generate_signing_key();
    if (!made) return made.status();
    auto pem = signing_key_pem(*made);
    if (!pem) return pem.status();
    return StoredSigningKeys{std::move(pem).value(), std::nullopt};
}

}  // namespace

Result<std::optional<StoredSigningKeys>> read_signing_key_files(const std::filesystem::path& data_dir) {
    auto current = read_signing_key(data_dir / OpenIdTokens::kKeyFile);
    if (!current) return current.status();
    if (!*current) return std::optional<StoredSigningKeys>();
    auto current_pem = signing_key_pem(**current);
    if (!current_pem) return current_pem.status();
    StoredSigningKeys keys{std::move(current_pem).value(), std::nullopt};
    auto previous = read_signing_key(data_dir / OpenIdTokens::kPreviousKeyFile);
    if (!previous) return previous.status();
    if (*previous) {
        auto previous_pem = signing_key_pem(**previous);
        if (!previous_pem) return previous_pem.status();
        keys.previous_pem = std::move(previous_pem).value();
    }
    return std::optional<StoredSigningKeys>(std::move(keys));
}

Result<std::unique_ptr<SharedSigningKeys>> SharedSigningKeys::open(IdentityStorage& store, ServerBus& bus,
                                                                   const std::filesystem::path& data_dir,
                                                                   std::string issuer) {
    auto stored = store.signing_keys();
    if (!stored) return stored.status();
    if (!*stored) {
        auto candidate = candidate_keys(data_dir);
        if (!candidate) return candidate.status();
        auto adopted = store.adopt_signing_keys(*candidate);  // another server's may win: it is returned
        if (!adopted) return adopted.status();
        stored = std::optional<StoredSigningKeys>(std::move(adopted).value());
    }
    auto keys = read_keys(**stored);
    if (!keys) return keys.status();
    if (auto file = read_signing_key(data_dir / OpenIdTokens::kKeyFile);
        file && *file && (*file)->public_key.kid != keys->current.public_key.kid &&
        (!keys->previous || (*file)->public_key.kid != keys->previous->public_key.kid)) {
        log(LogLevel::warn, "the OpenID signing key in " + (data_dir / OpenIdTokens::kKeyFile).string() +
                                " is not the deployment's (the database's): it is not used");
    }
    std::unique_ptr<SharedSigningKeys> shared(new SharedSigningKeys(
        store, OpenIdTokens(std::move(keys->current), std::move(keys->previous), std::move(issuer)),
        std::move(**stored)));
    if (bus.reaches_others()) {
        SharedSigningKeys* self = shared.get();
        shared->follower_ =
            std::make_unique<BusFollower>(bus, std::string(kSigningKeysTopic), kRefreshEvery,
                                          "the OpenID signing keys", [self] { return self->refresh(); });
    }
    return shared;
}

SharedSigningKeys::SharedSigningKeys(IdentityStorage& store, OpenIdTokens tokens, StoredSigningKeys applied)
    : store_(store), tokens_(std::move(tokens)), applied_(std::move(applied)) {}

Status SharedSigningKeys::refresh() {
    auto stored = store_.signing_keys();
    if (!stored) return stored.status();
    if (!*stored) return {};  // cannot happen once a key is stored; keep what is in use
    if ((*stored)->current_pem == applied_.current_pem && (*stored)->previous_pem == applied_.previous_pem)
        return {};
    auto keys = read_keys(**stored);
    if (!keys) return keys.status();
    log(LogLevel::info, "OpenID signing keys rotated: signing with key " + keys->current.public_key.kid);
    tokens_.replace_keys(std::move(keys->current), std::move(keys->previous));
    applied_ = std::move(**stored);
    return {};
}

}  // namespace synclatch::server
