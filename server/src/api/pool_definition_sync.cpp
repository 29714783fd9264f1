// Loading and following the API's identity pools.
#include "api/pool_definition_sync.hpp"

#include <set>

#include "auth/identity_pool_definition.hpp"

namespace synclatch::server {

PoolDefinitionSync::PoolDefinitionSync(PoolStorage& pools, LoginProviders& providers,
                                       const IdentityPoolSettingsMap& configured)
    : pools_(pools), providers_(providers), configured_(configured) {}

Result<std::unique_ptr<PoolDefinitionSync>> PoolDefinitionSync::start(
    PoolStorage& pools, LoginProviders& providers, ServerBus& bus,
    const IdentityPoolSettingsMap& configured) {
    std::unique_ptr<PoolDefinitionSync> sync(new PoolDefinitionSync(pools, providers, configured));
    if (Status loaded = sync->refresh(); !loaded) return loaded;
    if (bus.reaches_others()) {
        PoolDefinitionSync* self = sync.get();
        sync->follower_ = std::make_unique<BusFollower>(bus, std::string(kTopic), kRefreshEvery,
                                                        "identity pools made on other servers",
                                                        [self] { return self->refresh(); });
    }
    return sync;
}

PoolDefinitionSync::~PoolDefinitionSync() = default;

void PoolDefinitionSync::announce(ServerBus& bus, std::string_view pool_id) {
    if (bus.reaches_others()) bus.send(std::string(kTopic), std::string(pool_id));
}

Status PoolDefinitionSync::refresh() {
    auto stored = pools_.pool_definitions();
    if (!stored.ok()) return stored.status();
    std::set<std::string> present;
    for (const auto& [pool_id, text] : *stored) {
        present.insert(pool_id);
        if (auto at = applied_.find(pool_id); at != applied_.end() && at->second == text) continue;
        if (configured_.contains(pool_id))
            return Status{
                Errc::invalid_argument,
                "identity pool " + pool_id +
                    " was made through the API (CreateIdentityPool) and is in --identity-pools too: "
                    "take it out of one"};
        auto definition = read_stored_pool_definition(text);
        if (!definition.ok())
            return Status{Errc::storage, "identity pool " + pool_id + ": " + definition.status().message()};
        if (Status s = providers_.replace_pool(pool_id, settings_of(*definition)); !s.ok())
            return Status{s.code(), "identity pool " + pool_id + ": " + s.message()};
        applied_[pool_id] = text;
    }
    for (auto at = applied_.begin(); at != applied_.end();) {
        if (present.contains(at->first)) {
            ++at;
            continue;
        }
        providers_.remove_pool(at->first);  // deleted on another server
        at = applied_.erase(at);
    }
    return {};
}

}  // namespace synclatch::server
