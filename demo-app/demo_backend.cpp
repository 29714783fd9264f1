// The demo's app backend: developer-authenticated sign-in against each deployment.
#include "demo_backend.hpp"

namespace synclatch::demo {

DemoBackend::DemoBackend(QString admin_key, QString identity_pool_id)
    : admin_key_(std::move(admin_key)), identity_pool_id_(identity_pool_id.toStdString()) {}

Result<platform::DeveloperIdentities*> DemoBackend::deployment(const QString& endpoint) {
    if (const auto it = deployments_.find(endpoint); it != deployments_.end()) return it->second.get();
    const auto colon = admin_key_.indexOf(':');
    if (colon <= 0)
        return Status{Errc::unauthorized,
                      "the demo's backend has no developer key: start it with --admin-key"};
    auto parsed = sync::parse_endpoint(endpoint.toStdString());
    if (!parsed.ok()) return parsed.status();
    auto opened = platform::DeveloperIdentities::open(
        *parsed, {admin_key_.left(colon).toStdString(), admin_key_.mid(colon + 1).toStdString(), ""});
    if (!opened.ok()) return opened.status();
    auto* identities = opened->get();
    deployments_.emplace(endpoint, std::move(opened).value());
    return identities;
}

Result<platform::DeveloperToken> DemoBackend::token_for(const QString& endpoint, const QString& user,
                                                        const std::optional<std::string>& link) {
    std::optional<std::string> linked = link;
    platform::DeveloperIdentities* identities = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto found = deployment(endpoint);
        if (!found.ok()) return found.status();
        identities = *found;
        if (!linked) {
            if (const auto known = identities_.find(user); known != identities_.end()) linked = known->second;
        }
    }
    // The request runs without the lock: another device's token need not wait for it.
    auto token = identities->token_for(identity_pool_id_, kDeveloperProvider, user.toStdString(), linked);
    if (!token.ok()) return token.status();
    std::lock_guard lock(mutex_);
    identities_.insert_or_assign(user, token->identity_id);
    return token;
}

}  // namespace synclatch::demo
