// The Logins check: the map's shape and size first (cheap, and the same answer whatever the tokens), then
// each token with its provider's keys, stopping at the first refusal.
#include "auth/login_providers.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "synclatch/sync/endpoint.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

// A provider name from a request, quoted in a message: recognisable, never huge.
std::string clip(std::string_view name) {
    constexpr std::size_t kMaxQuoted = IdentityPoolSettings::kMaxProviderNameChars;
    return name.size() <= kMaxQuoted ? std::string(name) : std::string(name.substr(0, kMaxQuoted)) + "...";
}

LoginProvider login_provider(const OpenIdConnectProviderSettings& settings) {
    LoginProvider provider;
    provider.name = settings.name;
    provider.issuer = settings.issuer;
    provider.audiences = settings.audiences;
    return provider;
}

Result<std::unique_ptr<JwksSource>> open_source(const OpenIdConnectProviderSettings& settings,
                                                const JwksSourceOptions& options) {
    if (!settings.jwks_file.empty())
        return JwksSource::open_file(login_provider(settings), settings.jwks_file, options);
    auto url = sync::parse_http_url(settings.jwks_url);
    if (!url.ok())
        return Status{Errc::invalid_argument,
                      "login provider " + settings.name + ": JwksUrl: " + url.status().message()};
    return JwksSource::open_url(login_provider(settings), std::move(url).value(), options);
}

}  // namespace

LoginProviders::LoginProviders(const OpenIdTokens& own_tokens, JwksSourceOptions options)
    : own_tokens_(own_tokens), options_(std::move(options)) {}

LoginProviders::~LoginProviders() {
    // Stop every thread first, then join them: the fetches in flight end together, not one after another.
    for (const auto& [id, pool] : pools_) {
        for (const auto& [name, source] : pool->providers)
            source->stop();
    }
    pools_.clear();
    retired_.clear();  // the last owners: each destructor joins its thread
}

Result<std::unique_ptr<LoginProviders>> LoginProviders::open(const IdentityPoolSettingsMap& pools,
                                                             const OpenIdTokens& own_tokens,
                                                             JwksSourceOptions options) {
    auto providers = std::unique_ptr<LoginProviders>(new LoginProviders(own_tokens, std::move(options)));
    for (const auto& [id, settings] : pools) {
        if (Status s = providers->replace_pool(id, settings); !s.ok())
            return Status{s.code(), "pool " + id + ": " + s.message()};
    }
    return providers;
}

Result<std::shared_ptr<const LoginProviders::Pool>> LoginProviders::make_pool(
    const IdentityPoolSettings& settings, const Pool* previous) const {
    if (Status s = validate(settings); !s.ok()) return s;
    auto pool = std::make_shared<Pool>();
    pool->settings = settings;
    for (const auto& provider : settings.open_id_connect_providers) {
        if (previous != nullptr) {
            const auto old = std::find(previous->settings.open_id_connect_providers.begin(),
                                       previous->settings.open_id_connect_providers.end(), provider);
            if (old != previous->settings.open_id_connect_providers.end()) {
                pool->providers.emplace(provider.name, previous->providers.find(provider.name)->second);
                continue;
            }
        }
        auto source = open_source(provider, options_);
        if (!source.ok()) return source.status();  // the sources opened so far are freed (and joined) here
        pool->providers.emplace(provider.name, std::shared_ptr<JwksSource>(std::move(source).value()));
    }
    return std::shared_ptr<const Pool>(std::move(pool));
}

void LoginProviders::retire(const Pool& old, const Pool* replacement) {
    // Threads that have ended since the last call are joined now (instantly), the others stay.
    std::erase_if(retired_, [](const std::shared_ptr<JwksSource>& source) { return source->stopped(); });
    for (const auto& [name, source] : old.providers) {
        if (replacement != nullptr) {
            const auto kept = replacement->providers.find(name);
            if (kept != replacement->providers.end() && kept->second == source) continue;
        }
        source->stop();
        retired_.push_back(source);
    }
}

Status LoginProviders::replace_pool(std::string_view pool_id, const IdentityPoolSettings& settings) {
    const std::lock_guard update(update_mutex_);
    const auto previous = find(pool_id);
    std::size_t total = settings.open_id_connect_providers.size();
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, other] : pools_)
            if (id != pool_id) total += other->providers.size();
    }
    if (total > kMaxProviders)
        return Status{Errc::limit_exceeded, "the server's identity pools may trust at most " +
                                                std::to_string(kMaxProviders) + " login providers in all"};
    auto pool = make_pool(settings, previous.get());
    if (!pool.ok()) return pool.status();
    const std::lock_guard lock(mutex_);
    if (previous) retire(*previous, pool->get());
    pools_.insert_or_assign(std::string(pool_id), std::move(pool).value());
    return {};
}

void LoginProviders::remove_pool(std::string_view pool_id) {
    const std::lock_guard update(update_mutex_);
    const std::lock_guard lock(mutex_);
    const auto it = pools_.find(pool_id);
    if (it == pools_.end()) return;
    retire(*it->second, nullptr);
    pools_.erase(it);
}

std::shared_ptr<const LoginProviders::Pool> LoginProviders::find(std::string_view pool_id) const {
    const std::lock_guard lock(mutex_);
    const auto it = pools_.find(pool_id);
    return it == pools_.end() ? nullptr : it->second;
}

Result<VerifiedLogins> LoginProviders::verify(std::string_view pool_id, const json& logins_member,
                                              EpochMillis now,
                                              std::shared_ptr<const JwksSource>* reloading) const {
    if (reloading != nullptr) reloading->reset();
    VerifiedLogins verified;
    if (logins_member.is_null()) return verified;
    if (!logins_member.is_object())
        return Status{Errc::invalid_argument, "Logins must be a map of provider names to tokens"};
    for (auto it = logins_member.begin(); it != logins_member.end(); ++it) {
        if (!it.value().is_string())
            return Status{Errc::invalid_argument,
                          "Logins: the token of " + clip(it.key()) + " must be a string"};
    }
    if (logins_member.size() > kMaxLogins) {
        return Status{Errc::unauthorized, "Logins has " + std::to_string(logins_member.size()) +
                                              " entries; at most " + std::to_string(kMaxLogins) +
                                              " are accepted"};
    }

    const auto pool = find(pool_id);
    for (auto it = logins_member.begin(); it != logins_member.end(); ++it) {
        const std::string& name = it.key();
        const auto& token = it.value().get_ref<const std::string&>();
        if (token.size() > kMaxTokenChars) {
            return Status{Errc::unauthorized, "login token of " + clip(name) + ": longer than " +
                                                  std::to_string(kMaxTokenChars) + " characters"};
        }
        if (name == OpenIdTokens::kLoginProvider) {
            auto identity = own_tokens_.verify(token, pool_id, now);
            if (!identity.ok()) return identity.status();
            verified.proven_identity = std::move(identity->subject);
            continue;
        }
        std::shared_ptr<const JwksSource> source;
        if (pool != nullptr) {
            const auto found = pool->providers.find(name);
            if (found != pool->providers.end()) source = found->second;
        }
        if (source == nullptr) {
            if (pool != nullptr && pool->settings.developer_provider_name == name) {
                return Status{Errc::unauthorized,
                              name +
                                  " is the developer provider of this identity pool: present the token of "
                                  "GetOpenIdTokenForDeveloperIdentity as the " +
                                  std::string(OpenIdTokens::kLoginProvider) + " login"};
            }
            return Status{Errc::unauthorized, clip(name) + " is not a login provider of this identity pool"};
        }
        LoginTokenRejection rejection = LoginTokenRejection::none;
        auto login = source->verify(token, now, &rejection);
        if (!login.ok()) {
            // Whether or not a load is under way now: one may have ended since the verifier took its keys.
            if (reloading != nullptr && rejection == LoginTokenRejection::unknown_key) *reloading = source;
            return login.status();
        }
        verified.logins.push_back(Login{std::move(login->provider), std::move(login->subject)});
    }
    return verified;
}

bool LoginProviders::allow_unauthenticated(std::string_view pool_id) const {
    const auto pool = find(pool_id);
    return pool == nullptr || pool->settings.allow_unauthenticated_identities;
}

std::optional<std::string> LoginProviders::developer_provider(std::string_view pool_id) const {
    const auto pool = find(pool_id);
    return pool == nullptr ? std::nullopt : pool->settings.developer_provider_name;
}

std::optional<IdentityPoolSettings> LoginProviders::settings(std::string_view pool_id) const {
    const auto pool = find(pool_id);
    return pool == nullptr ? std::nullopt : std::optional<IdentityPoolSettings>(pool->settings);
}

std::shared_ptr<const JwksSource> LoginProviders::source(std::string_view pool_id,
                                                         std::string_view provider) const {
    const auto pool = find(pool_id);
    if (pool == nullptr) return nullptr;
    const auto it = pool->providers.find(provider);
    return it == pool->providers.end() ? nullptr : it->second;
}

bool LoginProviders::wait_for_keys(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::shared_ptr<const JwksSource>> sources;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, pool] : pools_) {
            for (const auto& [name, source] : pool->providers)
                sources.push_back(source);
        }
    }
    bool all = true;
    for (const auto& source : sources) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        all = source->wait_for_loads(1, std::max(left, std::chrono::milliseconds(0))) && all;
    }
    return all;
}

}  // namespace synclatch::server
