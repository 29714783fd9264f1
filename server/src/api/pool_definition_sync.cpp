// Loading and following the API's identity pools.
#include "api/pool_definition_sync.hpp"

#include <set>

#include "auth/identity_pool_definition.hpp"
#include "telemetry/log.hpp"

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
        // The bus's thread must not wait for the database: it only wakes ours.
        bus.subscribe([wakeup = sync->wakeup_](const std::string& topic, const std::string&) {
            if (topic != kTopic) return;
            {
                std::lock_guard lock(wakeup->mutex);
                wakeup->poked = true;
            }
            wakeup->wake.notify_all();
        });
        PoolDefinitionSync* self = sync.get();
        sync->thread_ = std::thread([self] { self->follow(); });
    }
    return sync;
}

PoolDefinitionSync::~PoolDefinitionSync() {
    {
        std::lock_guard lock(wakeup_->mutex);
        wakeup_->stopping = true;
    }
    wakeup_->wake.notify_all();
    if (thread_.joinable()) thread_.join();
}

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

void PoolDefinitionSync::follow() {
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(wakeup_->mutex);
            wakeup_->wake.wait_for(lock, kRefreshEvery,
                                   [this] { return wakeup_->stopping || wakeup_->poked; });
            if (wakeup_->stopping) return;
            wakeup_->poked = false;
        }
        // One log line per failure streak; the next pass tries again.
        if (Status s = refresh(); !s) {
            if (!failing) log(LogLevel::warn, "identity pools made on other servers: " + s.to_string());
            failing = true;
        } else {
            failing = false;
        }
    }
}

}  // namespace synclatch::server
