// Client: the store, the transport, the credentials and the remote wired together, and the scheduling of
// syncs on the sync thread (SyncExecutor): requests, connectivity waits, background timers and backoff.
#include "synclatch/client.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "backoff.hpp"
#include "push_channel.hpp"
#include "sync_executor.hpp"
#include "synclatch/platform/app_paths.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/platform/manual_connectivity.hpp"
#include "synclatch/sync/cognito_remote_store.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch {

namespace {

using Clock = platform::detail::SyncExecutor::Clock;
using TaskId = platform::detail::SyncExecutor::TaskId;

void report(const SyncRequest& request, const Result<sync::SyncResult>& result) {
    if (result.ok()) {
        if (request.on_success) request.on_success(*result);
    } else if (request.on_failure) {
        request.on_failure(result.status());
    }
}

// Failures that coming back online may cure.
bool for_lack_of_network(const Status& status) {
    return status.code() == Errc::unavailable || status.code() == Errc::timeout;
}

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
    struct Background {
        BackgroundSyncOptions options;
        int failures = 0;
        TaskId timer = 0;
        Clock::time_point due{};
        bool waiting_for_network = false;
        core::Subscription local_changes;
    };

    // What remote calls act through: the credentials (and the identity they act for) and the remote
    // store that signs with them. Replaced whole (open, wipe, sign-out); a caller that took it keeps it
    // alive until its call ends.
    struct Session {
        std::unique_ptr<sync::CredentialsProvider> credentials;
        sync::CognitoIdentityCredentials* cognito = nullptr;  // credentials, when they are Cognito's
        std::unique_ptr<sync::CognitoRemoteStore> remote;
    };

    ClientOptions options;
    sync::Endpoint endpoint;
    std::unique_ptr<core::LocalStore> store;
    std::string device_id;
    std::unique_ptr<platform::BeastHttpClient> http;
    std::shared_ptr<platform::ConnectivityMonitor> connectivity;
    platform::ConnectivitySubscription connectivity_changes;

    // Three locks, taken in this order, so that asking the client something never waits for a sync's
    // network I/O:
    // - sync_mutex: syncs run one at a time, and so do the calls that replace the session or move the
    //   identity on purpose (sign_in, sign_out, wipe, authenticate) and refresh_dataset_metadata. It is
    //   held across their network I/O, so nothing that only asks (identity_id, signed_in) or registers
    //   for push (register_device, subscribe) takes it: their session and the thread-safe credentials and
    //   remote store are enough.
    // - identity_mutex: obtaining the identity (GetId; GetCredentialsForIdentity, which may move it) and
    //   adopting it into the local store, one caller at a time, and every other change of the store's
    //   identity (wipe, sign-out). Two callers that both find the identity unknown therefore cannot create
    //   two identities: the second finds the one the first obtained. Held across that I/O only.
    // - session_mutex: the session pointer and the small state below; never held across I/O.
    std::mutex sync_mutex;
    std::mutex identity_mutex;
    mutable std::mutex session_mutex;
    std::shared_ptr<Session> session;  // guarded by session_mutex; replaced with identity_mutex held too
    sync::LoginsSource logins;         // written with sync_mutex and session_mutex held; read under either
    // Identity changes found (old, new), told to the app once the locks are released.
    std::vector<std::pair<std::string, std::string>> identity_changes;  // guarded by session_mutex
    std::string push_device_id;                                         // guarded by session_mutex
    std::set<std::string, std::less<>> push_subscribed;                 // guarded by session_mutex
    std::atomic<bool> cancel{false};

    std::mutex state_mutex;
    std::map<std::string, Background, std::less<>> background;             // guarded by state_mutex
    std::vector<std::pair<std::string, SyncRequest>> waiting_for_network;  // guarded by state_mutex
    std::mt19937_64 jitter{std::random_device{}()};                        // guarded by state_mutex
    std::unique_ptr<platform::detail::PushChannel> push_channel;           // guarded by state_mutex

    platform::detail::SyncExecutor executor;  // last: its thread stops first

    std::shared_ptr<Session> current_session() const {
        std::lock_guard lock(session_mutex);
        return session;
    }

    // A fresh session for the store's identity (or a new one from the server). Call with sync_mutex and
    // identity_mutex held (or from open, before any other thread knows the client).
    void connect_remote() {
        auto next = std::make_shared<Session>();
        if (options.developer) {
            next->credentials = std::make_unique<sync::StaticCredentials>(
                sync::sigv4::Credentials{options.developer->access_key_id,
                                         options.developer->secret_access_key, ""},
                options.developer->identity_id);
        } else {
            sync::CognitoIdentityOptions identity;
            identity.endpoint = endpoint;
            identity.identity_pool_id = options.identity_pool_id;
            identity.deadline = options.request_deadline;
            identity.logins = logins;
            if (std::string known = store->identity_id(); known != core::kUnknownIdentityId)
                identity.cached_identity_id = std::move(known);
            auto provider = std::make_unique<sync::CognitoIdentityCredentials>(*http, std::move(identity));
            next->cognito = provider.get();
            next->credentials = std::move(provider);
        }
        sync::CognitoRemoteOptions remote_options;
        remote_options.endpoint = endpoint;
        remote_options.identity_pool_id = options.identity_pool_id;
        remote_options.deadline = options.request_deadline;
        next->remote =
            std::make_unique<sync::CognitoRemoteStore>(*http, *next->credentials, std::move(remote_options));
        std::lock_guard lock(session_mutex);
        session = std::move(next);
    }

    // The identity the local data belongs to, when the store knows it: no lock a sync holds, no I/O.
    std::optional<std::string> known_identity() const {
        std::string known = store->identity_id();
        if (known == core::kUnknownIdentityId) return std::nullopt;
        return known;
    }

    // The identity the session acts for, adopted by the local store (data written before moves to it).
    // With check_credentials, fresh credentials first: getting them may move the identity (a merge at
    // sign-in), and a sync must find that out before it starts, not halfway. Takes identity_mutex.
    Result<std::string> adopt_identity(bool check_credentials = false) {
        std::lock_guard lock(identity_mutex);
        const auto current = current_session();
        if (check_credentials) {
            if (auto fresh = current->credentials->credentials(); !fresh.ok()) return fresh.status();
        }
        auto identity = current->credentials->identity_id();
        if (!identity.ok()) return identity.status();
        const std::string before = store->identity_id();
        if (before != *identity) {
            if (Status s = store->set_identity_id(*identity); !s.ok()) return s;
            if (before != core::kUnknownIdentityId) {
                std::lock_guard changes(session_mutex);
                identity_changes.emplace_back(before, *identity);
            }
        }
        return identity;
    }

    // The known identity at once; else obtained (adopt_identity), waiting at most for another caller
    // obtaining it at the same time, never for a sync's lock.
    Result<std::string> identity() {
        if (auto known = known_identity()) return *known;
        return adopt_identity();
    }

    // Tells the app of the identity changes found; call without holding sync_mutex or identity_mutex.
    void tell_identity_changes() {
        std::vector<std::pair<std::string, std::string>> changes;
        {
            std::lock_guard lock(session_mutex);
            changes.swap(identity_changes);
        }
        if (!options.on_identity_changed) return;
        for (const auto& [before, after] : changes)
            options.on_identity_changed(before, after);
    }

    // The datasets with changes a sync has not pushed yet (modified records, a deletion to send).
    Result<std::vector<std::string>> unsynced_datasets() const {
        auto datasets = store->list_datasets();
        if (!datasets.ok()) return datasets.status();
        std::vector<std::string> unsynced;
        for (const auto& metadata : *datasets) {
            if (metadata.pending_remote_delete()) {
                unsynced.push_back(metadata.name);
                continue;
            }
            auto dataset = store->open_or_create_dataset(metadata.name);
            if (!dataset.ok()) return dataset.status();
            auto modified = dataset->modified_records();
            if (!modified.ok()) return modified.status();
            if (!modified->empty()) unsynced.push_back(metadata.name);
        }
        return unsynced;
    }

    Result<sync::SyncResult> synchronize(std::string_view name, sync::SyncOptions sync_options) {
        auto result = synchronize_locked(name, std::move(sync_options));
        tell_identity_changes();
        return result;
    }

    Result<sync::SyncResult> synchronize_locked(std::string_view name, sync::SyncOptions sync_options) {
        std::lock_guard lock(sync_mutex);
        if (auto identity = adopt_identity(true); !identity.ok()) return identity.status();
        // Stable until the sync ends: only calls that take sync_mutex replace it.
        const auto current = current_session();
        auto dataset = store->open_or_create_dataset(name);
        if (!dataset.ok()) return dataset.status();
        if (sync_options.device_id.empty()) sync_options.device_id = device_id;
        if (!sync_options.cancel) sync_options.cancel = &cancel;
        auto result = sync::synchronize(*dataset, *current->remote, sync_options);
        if (!result.ok() && result.status().code() == Errc::cancelled && cancel.load())
            return Status{Errc::cancelled, "the client is closing: " + result.status().message()};
        return result;
    }

    void run_request(const std::string& name, const SyncRequest& request, bool retry_when_online) {
        auto result = synchronize(name, request.options);
        if (!result.ok() && retry_when_online && for_lack_of_network(result.status())) {
            std::lock_guard lock(state_mutex);
            if (!connectivity->online()) {
                waiting_for_network.emplace_back(name, request);
                return;
            }
        }
        report(request, result);
    }

    // Background: (re)arms the dataset's timer to fire after `delay`, or sooner if it already would.
    void schedule_locked(const std::string& name, Background& state, std::chrono::milliseconds delay,
                         bool only_sooner) {
        const auto due = Clock::now() + delay;
        if (state.timer != 0) {
            if (only_sooner && state.due <= due) return;
            executor.cancel(state.timer);
        }
        state.due = due;
        state.timer = executor.post_at(due, [weak = weak_from_this(), name] {
            if (auto self = weak.lock()) self->background_sync(name);
        });
    }

    void background_sync(const std::string& name) {
        SyncRequest request;
        bool subscribing = false;
        {
            std::lock_guard lock(state_mutex);
            auto found = background.find(name);
            if (found == background.end()) return;
            found->second.timer = 0;
            found->second.waiting_for_network = false;
            request = found->second.options.request;
            subscribing = push_channel != nullptr;
        }
        if (subscribing) subscribe_for_push(name);
        auto result = synchronize(name, request.options);
        {
            std::lock_guard lock(state_mutex);
            auto found = background.find(name);
            if (found == background.end()) return;  // stopped meanwhile
            auto& state = found->second;
            const auto& wanted = state.options;
            if (result.ok() || !result.status().retryable()) {
                state.failures = 0;
                if (wanted.interval.count() > 0) schedule_locked(name, state, wanted.interval, true);
            } else if (for_lack_of_network(result.status()) && !connectivity->online()) {
                ++state.failures;
                state.waiting_for_network = true;  // the connectivity callback re-arms it
            } else {
                ++state.failures;
                std::uniform_real_distribution<double> random01(0.0, 1.0);
                const auto wait = platform::detail::backoff_delay(state.failures, wanted.min_backoff,
                                                                  wanted.max_backoff, random01(jitter));
                schedule_locked(name, state, wait, false);
            }
        }
        report(request, result);
    }

    // Subscribes the push channel's device to the dataset once; a failure is tried again next sync.
    void subscribe_for_push(const std::string& name) {
        std::string device;
        {
            std::lock_guard lock(session_mutex);
            if (push_device_id.empty() || push_subscribed.contains(name)) return;
            device = push_device_id;
        }
        if (!current_session()->remote->subscribe(name, device).ok()) return;
        std::lock_guard lock(session_mutex);
        if (push_device_id == device) push_subscribed.insert(name);
    }

    // Needs the identity (known, or obtained now) and the network, not sync_mutex: it does not wait for
    // a sync in progress.
    Result<std::string> register_device(std::string_view platform, std::string_view token) {
        if (auto identity = this->identity(); !identity.ok()) return identity.status();
        auto device = current_session()->remote->register_device(platform, token);
        if (device.ok()) {
            std::lock_guard lock(session_mutex);
            if (*device != push_device_id) {
                push_device_id = *device;
                push_subscribed.clear();
            }
        }
        return device;
    }

    std::string registered_device() const {
        std::lock_guard lock(session_mutex);
        return push_device_id;
    }

    bool on_push_hint(std::string_view payload) {
        auto hint = sync::parse_json_text(payload);
        if (!hint.is_object()) return false;
        const auto identity = hint.find("identityId");
        const auto dataset = hint.find("datasetName");
        if (identity == hint.end() || dataset == hint.end() || !identity->is_string() ||
            !dataset->is_string())
            return false;
        if (identity->get<std::string>() != store->identity_id()) return false;
        std::lock_guard lock(state_mutex);
        auto found = background.find(dataset->get<std::string>());
        if (found == background.end()) return false;
        schedule_locked(found->first, found->second, {}, true);
        return true;
    }

    void on_connectivity(bool online) {
        if (!online) return;
        std::lock_guard lock(state_mutex);
        for (auto& [name, request] : waiting_for_network) {
            executor.post([weak = weak_from_this(), name = name, request = std::move(request)] {
                if (auto self = weak.lock()) self->run_request(name, request, false);
            });
        }
        waiting_for_network.clear();
        for (auto& [name, state] : background) {
            if (state.waiting_for_network || state.failures > 0) schedule_locked(name, state, {}, false);
        }
    }

    void on_local_change(const std::string& name) {
        std::lock_guard lock(state_mutex);
        auto found = background.find(name);
        if (found == background.end()) return;
        schedule_locked(name, found->second, found->second.options.after_local_change, true);
    }
};

Result<std::unique_ptr<Client>> Client::open(ClientOptions options) {
    auto impl = std::make_shared<Impl>();
    auto endpoint = sync::parse_endpoint(options.endpoint);
    if (!endpoint.ok()) return endpoint.status();
    if (options.identity_pool_id.empty() && !options.developer)
        return Status{Errc::invalid_argument, "an identity pool id is required for Cognito identities"};
    if (options.data_dir.empty()) return Status{Errc::invalid_argument, "the data directory is empty"};
    impl->endpoint = *endpoint;

    core::StoreOptions store_options;
    store_options.path = options.data_dir + "/synclatch.db";
    store_options.durability = options.durability;
    auto store = core::LocalStore::open(store_options);
    if (!store.ok()) return store.status();
    impl->store = std::move(store).value();
    auto device = platform::device_id(options.data_dir);
    if (!device.ok()) return device.status();
    impl->device_id = std::move(device).value();

    platform::HttpClientOptions http_options;
    http_options.ca_file = options.ca_file;
    auto http = platform::BeastHttpClient::open(*endpoint, http_options);
    if (!http.ok()) return http.status();
    impl->http = std::move(http).value();

    impl->connectivity = options.connectivity;
    if (!impl->connectivity) {
        // Without an OS monitor every sync is simply tried: it fails cleanly when offline.
        auto system = platform::open_system_connectivity();
        impl->connectivity = system.ok()
                                 ? std::shared_ptr<platform::ConnectivityMonitor>(std::move(system).value())
                                 : std::make_shared<platform::ManualConnectivity>(true);
    }
    impl->options = std::move(options);
    impl->logins = impl->options.logins;
    if (impl->options.developer) {
        if (Status s = impl->store->set_identity_id(impl->options.developer->identity_id); !s.ok()) return s;
    }
    impl->connect_remote();
    impl->connectivity_changes =
        impl->connectivity->on_change([weak = std::weak_ptr<Impl>(impl)](bool online) {
            if (auto self = weak.lock()) self->on_connectivity(online);
        });
    return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
    impl_->cancel.store(true);
    impl_->connectivity_changes.reset();
    std::unique_ptr<platform::detail::PushChannel> push_channel;
    {
        std::lock_guard lock(impl_->state_mutex);
        push_channel.swap(impl_->push_channel);
    }
    push_channel.reset();  // joins its thread, which may be waiting for a lock
    std::map<std::string, Impl::Background, std::less<>> background;
    {
        std::lock_guard lock(impl_->state_mutex);
        background.swap(impl_->background);
        impl_->waiting_for_network.clear();
    }
    background.clear();  // unsubscribes outside the lock: a change callback may be waiting for it
    impl_->executor.stop();
}

Result<core::Dataset> Client::open_or_create_dataset(std::string_view name) {
    return impl_->store->open_or_create_dataset(name);
}

Result<std::vector<core::DatasetMetadata>> Client::list_datasets() const {
    return impl_->store->list_datasets();
}

Result<std::vector<sync::DatasetDescription>> Client::refresh_dataset_metadata() {
    std::lock_guard lock(impl_->sync_mutex);
    if (auto identity = impl_->adopt_identity(); !identity.ok()) return identity.status();
    auto remote = impl_->current_session()->remote->list_datasets();
    if (!remote.ok()) return remote.status();
    for (const auto& description : *remote) {
        if (auto created = impl_->store->open_or_create_dataset(description.dataset_name); !created.ok())
            return created.status();
    }
    return remote;
}

Status Client::wipe() {
    std::lock_guard lock(impl_->sync_mutex);
    std::lock_guard identity(impl_->identity_mutex);
    if (Status s = impl_->store->wipe(); !s.ok()) return s;
    if (impl_->options.developer) {
        if (Status s = impl_->store->set_identity_id(impl_->options.developer->identity_id); !s.ok())
            return s;
    }
    impl_->connect_remote();
    return {};
}

Status Client::sign_in(sync::LoginsSource logins) {
    if (!logins) return Status{Errc::invalid_argument, "sign_in needs a source of logins"};
    {
        std::lock_guard lock(impl_->sync_mutex);
        const auto current = impl_->current_session();  // stable while sync_mutex is held
        if (current->cognito == nullptr)
            return Status{Errc::invalid_argument,
                          "a client with developer credentials acts for a fixed identity"};
        sync::LoginsSource previous;
        {
            std::lock_guard state(impl_->session_mutex);
            previous = std::move(impl_->logins);
            impl_->logins = logins;
        }
        current->cognito->set_logins(std::move(logins));
        if (auto identity = impl_->adopt_identity(true); !identity.ok()) {
            {
                std::lock_guard state(impl_->session_mutex);
                impl_->logins = previous;
            }
            current->cognito->set_logins(std::move(previous));
            return identity.status();
        }
    }
    impl_->tell_identity_changes();
    return {};
}

bool Client::signed_in() const {
    std::lock_guard lock(impl_->session_mutex);
    return static_cast<bool>(impl_->logins);
}

Status Client::sign_out(SignOutMode mode) {
    if (mode == SignOutMode::sync_first) {
        auto unsynced = impl_->unsynced_datasets();
        if (!unsynced.ok()) return unsynced.status();
        for (const auto& name : *unsynced) {
            if (auto synced = impl_->synchronize(name, {}); !synced.ok())
                return Status{synced.status().code(),
                              "sign-out stopped: the sync of " + name +
                                  " failed, nothing was deleted: " + synced.status().message()};
        }
    }
    std::lock_guard lock(impl_->sync_mutex);
    if (mode != SignOutMode::discard_unsynced) {
        // Checked again under the lock: a write made while syncing is not lost either.
        auto unsynced = impl_->unsynced_datasets();
        if (!unsynced.ok()) return unsynced.status();
        if (!unsynced->empty()) {
            std::string names;
            for (const auto& name : *unsynced)
                names += (names.empty() ? "" : ", ") + name;
            return Status{Errc::conflict, "sign-out would lose the changes not yet synced in " + names +
                                              ": sync them first (SignOutMode::sync_first) or discard them "
                                              "(SignOutMode::discard_unsynced)"};
        }
    }
    std::lock_guard identity(impl_->identity_mutex);
    if (Status s = impl_->store->wipe(); !s.ok()) return s;
    if (impl_->options.developer) {
        if (Status s = impl_->store->set_identity_id(impl_->options.developer->identity_id); !s.ok())
            return s;
    }
    {
        std::lock_guard state(impl_->session_mutex);
        impl_->logins = nullptr;
    }
    impl_->connect_remote();
    return {};
}

Result<std::string> Client::authenticate() {
    Result<std::string> identity = Status{Errc::internal, "unreachable"};
    {
        std::lock_guard lock(impl_->sync_mutex);
        identity = impl_->adopt_identity(true);
    }
    impl_->tell_identity_changes();
    return identity;
}

Result<std::string> Client::identity_id() {
    auto identity = impl_->identity();
    impl_->tell_identity_changes();
    return identity;
}

std::optional<std::string> Client::known_identity_id() const {
    return impl_->known_identity();
}

const std::string& Client::device_id() const {
    return impl_->device_id;
}

Result<sync::SyncResult> Client::synchronize(std::string_view dataset, sync::SyncOptions options) {
    return impl_->synchronize(dataset, std::move(options));
}

void Client::synchronize_async(std::string_view dataset, SyncRequest request) {
    impl_->executor.post(
        [weak = impl_->weak_from_this(), name = std::string(dataset), request = std::move(request)] {
            if (auto self = weak.lock()) self->run_request(name, request, false);
        });
}

void Client::synchronize_on_connectivity(std::string_view dataset, SyncRequest request) {
    std::lock_guard lock(impl_->state_mutex);
    if (!impl_->connectivity->online()) {
        impl_->waiting_for_network.emplace_back(std::string(dataset), std::move(request));
        return;
    }
    impl_->executor.post(
        [weak = impl_->weak_from_this(), name = std::string(dataset), request = std::move(request)] {
            if (auto self = weak.lock()) self->run_request(name, request, true);
        });
}

Status Client::start_background_sync(std::string_view dataset, BackgroundSyncOptions options) {
    if (options.min_backoff.count() <= 0 || options.max_backoff < options.min_backoff)
        return {Errc::invalid_argument, "background sync needs 0 < min_backoff <= max_backoff"};
    auto opened = impl_->store->open_or_create_dataset(dataset);
    if (!opened.ok()) return opened.status();
    const std::string name(dataset);
    auto local_changes =
        opened->on_change([weak = impl_->weak_from_this(), name](const core::Change& change) {
            if (change.origin != core::Origin::local) return;
            if (auto self = weak.lock()) self->on_local_change(name);
        });
    core::Subscription replaced;
    {
        std::lock_guard lock(impl_->state_mutex);
        auto& state = impl_->background[name];
        replaced = std::move(state.local_changes);
        state.options = std::move(options);
        state.failures = 0;
        state.local_changes = std::move(local_changes);
        impl_->schedule_locked(name, state, {}, false);  // a first sync now
    }
    return {};
}

void Client::stop_background_sync(std::string_view dataset) {
    core::Subscription dropped;
    std::lock_guard lock(impl_->state_mutex);
    auto found = impl_->background.find(dataset);
    if (found == impl_->background.end()) return;
    if (found->second.timer != 0) impl_->executor.cancel(found->second.timer);
    dropped = std::move(found->second.local_changes);
    impl_->background.erase(found);
}

Result<std::string> Client::register_device(std::string_view platform, std::string_view token) {
    auto device = impl_->register_device(platform, token);
    impl_->tell_identity_changes();
    return device;
}

Status Client::subscribe(std::string_view dataset) {
    const std::string device = impl_->registered_device();
    if (device.empty()) return {Errc::invalid_argument, "subscribe needs register_device first"};
    return impl_->current_session()->remote->subscribe(dataset, device);
}

Status Client::unsubscribe(std::string_view dataset) {
    const std::string device = impl_->registered_device();
    if (device.empty()) return {Errc::invalid_argument, "unsubscribe needs register_device first"};
    return impl_->current_session()->remote->unsubscribe(dataset, device);
}

bool Client::on_push_hint(std::string_view payload) {
    return impl_->on_push_hint(payload);
}

Status Client::open_push_channel() {
    std::vector<std::string> synced;
    {
        std::lock_guard lock(impl_->state_mutex);
        for (const auto& [name, state] : impl_->background)
            synced.push_back(name);
    }
    platform::detail::PushChannelOptions options;
    options.device_id = impl_->registered_device();
    if (options.device_id.empty()) {
        auto device = register_device("GCM", "synclatch-websocket:" + impl_->device_id);
        if (!device.ok()) return device.status();
        options.device_id = std::move(device).value();
    }
    for (const auto& name : synced)
        impl_->subscribe_for_push(name);  // now, so that hints flow once the channel is open
    options.endpoint = impl_->endpoint;
    options.ca_file = impl_->options.ca_file;
    options.credentials = [weak = impl_->weak_from_this()]() -> Result<sync::sigv4::Credentials> {
        auto self = weak.lock();
        if (!self) return Status{Errc::cancelled, "the client is closing"};
        return self->current_session()->credentials->credentials();
    };
    options.on_hint = [weak = impl_->weak_from_this()](const std::string& payload) {
        if (auto self = weak.lock()) (void)self->on_push_hint(payload);
    };
    auto channel = platform::detail::PushChannel::open(std::move(options));
    if (!channel.ok()) return channel.status();
    std::unique_ptr<platform::detail::PushChannel> replaced;
    std::lock_guard lock(impl_->state_mutex);
    replaced = std::move(impl_->push_channel);
    impl_->push_channel = std::move(channel).value();
    for (auto& [name, state] : impl_->background)
        impl_->schedule_locked(name, state, {}, true);  // catches up on what was written before the channel
    return {};
}

bool Client::push_channel_connected() const {
    std::lock_guard lock(impl_->state_mutex);
    return impl_->push_channel && impl_->push_channel->connected();
}

}  // namespace synclatch
