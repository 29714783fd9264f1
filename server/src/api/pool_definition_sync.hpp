// PoolDefinitionSync: keeps this server's login providers in step with the identity pools made through the
// API (CreateIdentityPool, UpdateIdentityPool, DeleteIdentityPool), which live in the database. At start it
// loads them all; with other servers on the database (ServerBus::reaches_others), it also applies what
// they change: at once on their "pools" hint (announce), and every kRefreshEvery in any case, since a hint
// can be lost. So a pool made or changed on one server signs users in on every server within kRefreshEvery
// at most (docs/scaling.md).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "auth/identity_pool_settings.hpp"
#include "auth/login_providers.hpp"
#include "store/bus_follower.hpp"
#include "store/pool_storage.hpp"
#include "store/server_bus.hpp"

namespace synclatch::server {

// Thread-safety: announce() from any thread; the rest from the thread that made the object.
class PoolDefinitionSync {
  public:
    static constexpr std::chrono::seconds kRefreshEvery{10};
    static constexpr std::string_view kTopic = "pools";

    // Gives `providers` the settings of every pool made through the API. A pool id that is also one of
    // `configured` (the --identity-pools file, the command line) fails, as does a stored definition that
    // does not read. Then, when the bus reaches other servers, follows their changes on a thread of its own.
    static Result<std::unique_ptr<PoolDefinitionSync>> start(PoolStorage& pools, LoginProviders& providers,
                                                             ServerBus& bus,
                                                             const IdentityPoolSettingsMap& configured);
    ~PoolDefinitionSync();  // stops following
    PoolDefinitionSync(const PoolDefinitionSync&) = delete;
    PoolDefinitionSync& operator=(const PoolDefinitionSync&) = delete;

    // After this server changed pool_id through the API: tells the other servers.
    static void announce(ServerBus& bus, std::string_view pool_id);

  private:
    PoolDefinitionSync(PoolStorage& pools, LoginProviders& providers,
                       const IdentityPoolSettingsMap& configured);
    // Applies what changed since the last pass: new and changed definitions, and pools that are gone.
    Status refresh();

    PoolStorage& pools_;
    LoginProviders& providers_;
    const IdentityPoolSettingsMap configured_;
    std::map<std::string, std::string> applied_;  // pool id -> the definition text the providers have
    std::unique_ptr<BusFollower> follower_;       // last: stopped first
};

}  // namespace synclatch::server
