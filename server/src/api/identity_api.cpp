// GetId, GetCredentialsForIdentity and GetOpenIdToken. Identity errors are JSON {"__type", "message"} with
// HTTP 400 (500 for internal ones), as the awsJson1.1 protocol has them.
#include "api/identity_api.hpp"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/identity_answers.hpp"

// GCC 12 sees Asio's coroutine frame allocated with aligned_alloc and freed by the frame's operator delete
// once enough is inlined into handle(), and calls them mismatched: a false positive (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

// Runs submit(done) (an IdentityStorage::submit_* call whose done gets a Result<T> on the store's writer
// thread) and suspends this coroutine (not a thread) until done runs; resumes on the coroutine's executor.
template <class T, class Submit>
boost::asio::awaitable<Result<T>> when_durable(Submit submit) {
    co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Result<T>)>(
        [&](auto handler) {
            auto resume = std::make_shared<decltype(handler)>(std::move(handler));
            submit([resume](Result<T> result) {
                auto executor = boost::asio::get_associated_executor(*resume);
                boost::asio::post(executor, [resume, result = std::move(result)]() mutable {
                    (*resume)(std::move(result));
                });
            });
        },
        boost::asio::use_awaitable);
}

// A new identity in the pool, made by the store's group commit.
boost::asio::awaitable<Result<std::string>> create_identity(IdentityStorage& store, std::string pool_id,
                                                            EpochMillis now) {
    return when_durable<std::string>([&store, pool_id = std::move(pool_id), now](auto done) mutable {
        store.submit_create_identity(std::move(pool_id), now, std::move(done));
    });
}

// New credentials of an identity, stored by the store's group commit.
boost::asio::awaitable<Result<IdentityCredentials>> issue_credentials(IdentityStorage& store,
                                                                      std::string identity_id,
                                                                      EpochMillis now,
                                                                      EpochMillis lifetime_ms) {
    return when_durable<IdentityCredentials>(
        [&store, identity_id = std::move(identity_id), now, lifetime_ms](auto done) mutable {
            store.submit_issue_credentials(std::move(identity_id), now, lifetime_ms, std::move(done));
        });
}

HttpResponse credentials_json(const IdentityCredentials& credentials, const HttpRequest& request) {
    return identity_json({{"IdentityId", credentials.identity_id},
                          {"Credentials",
                           {{"AccessKeyId", credentials.access_key_id},
                            {"SecretKey", credentials.secret_key},
                            {"SessionToken", credentials.session_token},
                            {"Expiration", sync::epoch_seconds_json(credentials.expiration)}}}},
                         request);
}

}  // namespace

boost::asio::awaitable<HttpResponse> IdentityApi::get_credentials(std::string identity, ClientInfo client,
                                                                  const HttpRequest& request) const {
    const EpochMillis now = clock_();
    if (auto answer = answer_without_new_credentials(identity, now, client, request))
        co_return std::move(*answer);
    auto issued = co_await issue_credentials(store_, std::move(identity), now, credential_lifetime_ms_);
    if (!issued.ok()) co_return identity_error(issued.status(), request);
    co_return credentials_json(*issued, request);
}

std::optional<HttpResponse> IdentityApi::answer_without_new_credentials(const std::string& identity,
                                                                        EpochMillis now, ClientInfo client,
                                                                        const HttpRequest& request) const {
    // Anyone who knows an identity id may ask (it is not a secret in Cognito's model), and each new set is
    // a row kept for its lifetime: calls are limited per client address and globally.
    if (limits_.credentials != nullptr) {
        const auto decision = limits_.credentials->acquire(rate_limit_key(client.address));
        if (!decision.allowed())
            return throttled("GetCredentialsForIdentity", "credential requests", decision, request);
    }
    if (limits_.new_credentials_per_identity == nullptr) return std::nullopt;
    // Only identities that exist get a bucket: the table is not filled with made-up ids.
    if (auto pool = store_.pool_of(identity); !pool.ok()) return identity_error(pool.status(), request);
    const auto decision = limits_.new_credentials_per_identity->acquire(identity);
    if (decision.allowed()) return std::nullopt;
    // Its share of new sets taken, so its newest was made less than one refill interval ago (at most half
    // a lifetime: the option is at least 2 an hour): that set again, storing nothing. Half the lifetime
    // left is the least answered, far more than the SDKs' refresh margin (about five minutes), so no
    // client asks again at once.
    auto newest = store_.newest_credentials(identity, now + credential_lifetime_ms_ / 2);
    if (!newest.ok()) return identity_error(newest.status(), request);
    if (*newest) return credentials_json(**newest, request);
    // None yet: the sets that took its share are still being written (many calls at once for one
    // identity). They are durable within a commit, so a retry a second later gets one of them.
    return throttled("GetCredentialsForIdentity", "identity", "new credentials for this identity",
                     RateLimiter::Decision{decision.verdict, std::chrono::seconds(1)}, request);
}

HttpResponse IdentityApi::throttled(std::string_view operation, std::string_view limit, std::string_view what,
                                    const RateLimiter::Decision& decision, const HttpRequest& request) const {
    metrics_.count_throttled(operation, limit);
    const std::string retry_after = std::to_string(decision.retry_after.count());
    HttpResponse response =
        identity_error("TooManyRequestsException",
                       "Too many " + std::string(what) + "; retry after " + retry_after + " s", request);
    response.set(http::field::retry_after, retry_after);
    return response;
}

HttpResponse IdentityApi::throttled(std::string_view operation, std::string_view what,
                                    const RateLimiter::Decision& decision, const HttpRequest& request) const {
    if (decision.verdict == RateLimiter::Verdict::address_limited)
        return throttled(operation, "address", std::string(what) + " from this address", decision, request);
    return throttled(operation, "global", what, decision, request);
}

IdentityApi::IdentityApi(IdentityStorage& store, std::function<EpochMillis()> clock,
                         EpochMillis credential_lifetime_ms, const OpenIdTokens& open_id_tokens,
                         Metrics& metrics, IdentityLimits limits, const LoginProviders* providers,
                         bool link_imported_logins)
    : store_(store),
      clock_(std::move(clock)),
      credential_lifetime_ms_(credential_lifetime_ms),
      open_id_tokens_(open_id_tokens),
      metrics_(metrics),
      limits_(limits),
      providers_(providers),
      link_imported_logins_(link_imported_logins) {}

boost::asio::awaitable<Result<VerifiedLogins>> IdentityApi::verified_logins(const json& body,
                                                                            std::string_view pool_id) const {
    const auto logins = body.find("Logins");
    if (logins == body.end() || (logins->is_object() && logins->empty())) co_return VerifiedLogins{};
    if (providers_ == nullptr)
        co_return Status{Errc::unauthorized, "this identity pool has no login providers"};
    std::shared_ptr<const JwksSource> reloading;
    auto verified = providers_->verify(pool_id, *logins, clock_(), &reloading);
    if (verified.ok() || reloading == nullptr) co_return verified;
    // A token named a key its provider did not have at hand: the provider may be loading it right now (the
    // first load after a start, or a rotation just seen) or may just have. Wait for a load under way,
    // polling without holding the thread, and judge the tokens once more.
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + kMaxWaitForKeys;
    while (reloading->reloading() && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return providers_->verify(pool_id, *logins, clock_());
}

boost::asio::awaitable<Result<std::string>> IdentityApi::act_as(const json& body) const {
    auto identity = id_member(body, "IdentityId", core::validate_identity_id);
    if (!identity.ok()) co_return identity.status();
    auto pool = store_.pool_of(*identity);
    // A guest that the app's backend merged into its user's identity (GetOpenIdTokenForDeveloperIdentity
    // with the guest's IdentityId), presenting the token the backend got for the user, carries on as the
    // user: the answer names the user's identity, as after any merge. Without that token it is gone.
    const Status gone = pool.status();
    bool followed = false;
    if (!pool.ok() && pool.status().code() == Errc::not_found) {
        auto survivor = store_.survivor_of(*identity);
        if (survivor.ok() && *survivor) {
            identity = std::move(**survivor);
            pool = store_.pool_of(*identity);
            followed = true;
        }
    }
    if (!pool.ok()) co_return pool.status();
    auto logins = co_await verified_logins(body, *pool);
    if (!logins.ok()) co_return logins.status();
    if (followed && logins->proven_identity != *identity) co_return gone;
    if (logins->proven_identity && *logins->proven_identity != *identity)
        co_return Status{Errc::unauthorized,
                         "the cognito-identity.amazonaws.com token is another identity's"};
    const bool proven = logins->proven_identity.has_value();
    if (logins->logins.empty() && !proven && !allow_unauthenticated(*pool)) {
        co_return Status{Errc::unauthorized,
                         "Unauthenticated access is not supported for this identity pool."};
    }
    if (!proven) {  // the developer's own token vouches for the user
        if (Status s = co_await check_imported_logins(*identity, logins->logins); !s.ok()) co_return s;
    }
    auto signed_in = store_.authorize(*identity, logins->logins, proven, clock_());
    if (!signed_in.ok()) co_return signed_in.status();
    co_return std::move(signed_in->identity_id);
}

boost::asio::awaitable<Status> IdentityApi::check_imported_logins(const std::string& identity,
                                                                  const std::vector<Login>& logins) const {
    auto unlinked = store_.unlinked_providers(identity);
    if (!unlinked.ok()) co_return unlinked.status();
    if (unlinked->empty()) co_return Status{};
    auto own = store_.logins(identity);
    if (!own.ok()) co_return own.status();
    bool known = false;
    for (const auto& login : logins) {
        if (std::find(own->begin(), own->end(), login) != own->end()) {
            known = true;
            continue;
        }
        if (std::find(unlinked->begin(), unlinked->end(), login.provider) == unlinked->end()) continue;
        if (!link_imported_logins_) {
            co_return Status{Errc::unauthorized,
                             "this identity was imported from Amazon Cognito, which does not say which " +
                                 login.provider + " user it belongs to; the server links it to its user's " +
                                 "first sign-in only with --link-imported-logins"};
        }
        auto linked = store_.link_imported_login(identity, login, clock_());
        if (!linked.ok()) co_return linked.status();
        known = known || *linked;
    }
    if (known) co_return Status{};
    std::string providers;
    for (const auto& provider : *unlinked)
        providers += (providers.empty() ? "" : ", ") + provider;
    co_return Status{Errc::unauthorized,
                     "this identity signs in with " + providers + ": present a token of it"};
}

boost::asio::awaitable<Status> IdentityApi::unlink_identity(const json& body) const {
    auto identity = id_member(body, "IdentityId", core::validate_identity_id);
    if (!identity.ok()) co_return identity.status();
    const auto remove = body.find("LoginsToRemove");
    if (remove == body.end() || !remove->is_array() || remove->size() > LoginProviders::kMaxLogins)
        co_return Status{Errc::invalid_argument, "LoginsToRemove must be a list of at most " +
                                                     std::to_string(LoginProviders::kMaxLogins) +
                                                     " provider names"};
    auto pool = store_.pool_of(*identity);
    if (!pool.ok()) co_return pool.status();
    auto logins = co_await verified_logins(body, *pool);
    if (!logins.ok()) co_return logins.status();
    auto own = store_.logins(*identity);
    if (!own.ok()) co_return own.status();
    // The caller proves it is the identity's user with a token of one of its logins.
    const bool proves = std::any_of(logins->logins.begin(), logins->logins.end(), [&](const Login& login) {
        return std::find(own->begin(), own->end(), login) != own->end();
    });
    if (!proves)
        co_return Status{Errc::unauthorized,
                         "Logins must hold a valid token of one of the identity's logins"};
    std::vector<Login> unlinked;
    for (const auto& name : *remove) {
        if (!name.is_string())
            co_return Status{Errc::invalid_argument, "LoginsToRemove must hold provider names"};
        const auto& provider = name.get_ref<const std::string&>();
        const auto before = unlinked.size();
        for (const auto& login : *own)
            if (login.provider == provider) unlinked.push_back(login);
        if (unlinked.size() == before)
            co_return Status{Errc::invalid_argument,
                             "the identity has no login of " + provider.substr(0, 128)};
    }
    auto done = store_.unlink(*identity, unlinked, clock_());
    co_return done.ok() ? Status{} : done.status();
}

bool IdentityApi::allow_unauthenticated(std::string_view pool_id) const {
    return providers_ == nullptr || providers_->allow_unauthenticated(pool_id);
}

boost::asio::awaitable<HttpResponse> IdentityApi::get_id(const json& body, ClientInfo client,
                                                         const HttpRequest& request) const {
    auto pool = id_member(body, "IdentityPoolId", core::validate_identity_pool_id);
    if (!pool.ok()) co_return identity_error(pool.status(), request);
    auto logins = co_await verified_logins(body, *pool);
    if (!logins.ok()) co_return identity_error(logins.status(), request);
    const EpochMillis now = clock_();

    if (logins->logins.empty() && logins->proven_identity) {
        // Only a token this server issued: the identity it names, if it is of this pool.
        auto of = store_.pool_of(*logins->proven_identity);
        if (!of.ok() || *of != *pool)
            co_return identity_error(Status{Errc::unauthorized, "the token is for another identity pool"},
                                     request);
        co_return identity_json({{"IdentityId", *logins->proven_identity}}, request);
    }
    if (!logins->logins.empty()) {
        auto known = store_.find_for_logins(*pool, logins->logins);
        if (!known.ok()) co_return identity_error(known.status(), request);
        if (*known) co_return identity_json({{"IdentityId", **known}}, request);
    } else if (!allow_unauthenticated(*pool)) {
        co_return identity_error(
            Status{Errc::unauthorized, "Unauthenticated access is not supported for this identity pool."},
            request);
    }
    // What follows may make an identity, which anyone may ask for: the limits on new identities.
    if (limits_.new_identities != nullptr) {
        const auto decision = limits_.new_identities->acquire(rate_limit_key(client.address));
        if (!decision.allowed()) co_return throttled("GetId", "new identities", decision, request);
    }
    if (logins->logins.empty()) {
        auto identity = co_await create_identity(store_, std::move(pool).value(), now);
        if (!identity.ok()) co_return identity_error(identity.status(), request);
        co_return identity_json({{"IdentityId", *identity}}, request);
    }
    auto signed_in = store_.identity_for_logins(*pool, logins->logins, now);
    if (!signed_in.ok()) co_return identity_error(signed_in.status(), request);
    co_return identity_json({{"IdentityId", signed_in->identity_id}}, request);
}

boost::asio::awaitable<HttpResponse> IdentityApi::handle(const HttpRequest& request,
                                                         std::string_view target_header,
                                                         ClientInfo client) const {
    constexpr std::string_view kPrefix = "AWSCognitoIdentityService.";
    if (request.method() != http::verb::post || !target_header.starts_with(kPrefix)) {
        co_return identity_error("InvalidParameterException",
                                 "expected POST with X-Amz-Target AWSCognitoIdentityService.*", request);
    }
    const std::string_view operation = target_header.substr(kPrefix.size());
    auto body = sync::parse_json_body(request.body());
    if (!body.ok()) co_return identity_error(body.status(), request);

    if (operation == "GetId") co_return co_await get_id(*body, client, request);
    if (operation == "GetCredentialsForIdentity") {
        auto identity = co_await act_as(*body);
        if (!identity.ok()) co_return identity_error(identity.status(), request);
        co_return co_await get_credentials(std::move(identity).value(), client, request);
    }
    if (operation == "GetOpenIdToken") {
        auto identity = co_await act_as(*body);
        if (!identity.ok()) co_return identity_error(identity.status(), request);
        auto pool = store_.pool_of(*identity);
        if (!pool.ok()) co_return identity_error(pool.status(), request);
        auto logins = store_.logins(*identity);
        if (!logins.ok()) co_return identity_error(logins.status(), request);
        // amr as Cognito's: how the identity was authenticated, and by which providers.
        std::vector<std::string> amr{logins->empty() ? "unauthenticated" : "authenticated"};
        for (const auto& login : *logins)
            if (std::find(amr.begin(), amr.end(), login.provider) == amr.end()) amr.push_back(login.provider);
        auto token = open_id_tokens_.issue(*pool, *identity, clock_(), amr);
        if (!token.ok()) co_return identity_error(token.status(), request);
        co_return identity_json({{"IdentityId", *identity}, {"Token", *token}}, request);
    }
    if (operation == "UnlinkIdentity") {
        auto unlinked = co_await unlink_identity(*body);
        if (!unlinked.ok()) co_return identity_error(unlinked, request);
        co_return identity_json(json::object(), request);
    }
    co_return identity_error("InvalidParameterException",
                             "operation " + std::string(operation) + " is not supported by this server",
                             request);
}

}  // namespace synclatch::server
