// The parts are members of one struct, declared in the order they depend on each other: they are destroyed
// in reverse, so the processors and bulk publish stop before the store they write to closes.
#include "server.hpp"

#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "api/pool_definition_sync.hpp"
#include "api/request_body_limits.hpp"
#include "api/request_handler.hpp"
#include "api/stream_subscriptions.hpp"
#include "auth/login_providers.hpp"
#include "auth/open_id_tokens.hpp"
#include "auth/shared_signing_keys.hpp"
#include "auth/sigv4_authenticator.hpp"
#include "hooks/sync_triggers.hpp"
#include "http/http_server.hpp"
#include "http/io_pool.hpp"
#include "http/open_file_limit.hpp"
#include "http/rate_limiter.hpp"
#include "processors/bridge_processor.hpp"
#include "processors/bulk_publisher.hpp"
#include "processors/data_lake.hpp"
#include "processors/listener_processor.hpp"
#include "processors/processor_runner.hpp"
#include "processors/stream_retention.hpp"
#include "processors/trigger_processor.hpp"
#include "push/push_hub.hpp"
#include "push/push_relay.hpp"
#include "push/push_service.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_storage.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "telemetry/log.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

namespace {

EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The error main() logs: what failed, then why.
Status failed(const std::string& what, const Status& status) {
    return {status.code(), what + ": " + status.to_string()};
}

Authenticator open_access() {
    return [](const HttpRequest&, const RequestTarget&) -> Result<Principal> { return Principal{}; };
}

// Fewer connections than asked when the open-file limit leaves no room for them.
HttpServerOptions fitted_to_open_files(HttpServerOptions http) {
    const std::size_t files = raise_open_file_limit();
    if (files == 0) return http;
    const std::size_t room = files > kDescriptorsKeptForServer ? files - kDescriptorsKeptForServer : 1;
    if (http.max_connections > room) {
        log(LogLevel::warn, "--max-connections " + std::to_string(http.max_connections) + " lowered to " +
                                std::to_string(room) + " to fit the open-file limit (" +
                                std::to_string(files) + ")");
        http.max_connections = room;
    }
    return http;
}

}  // namespace

struct Server::Parts {
    ServerOptions options;
    std::function<EpochMillis()> clock;
    bool stop_on_signals = false;
    // Before the store: the store's bus hands other servers' push hints to it until the store closes.
    PushHub push_hub;
    std::unique_ptr<Storage> store;                          // SQLite (the default) or PostgreSQL (--store)
    std::optional<OpenIdTokens> own_open_id_tokens;          // when the environment gives none: --data's keys
    std::unique_ptr<SharedSigningKeys> shared_signing_keys;  // or, on PostgreSQL, the database's
    const OpenIdTokens* open_id_tokens = nullptr;
    std::unique_ptr<LoginProviders> login_providers;
    std::unique_ptr<PoolDefinitionSync> pool_definitions;  // API pools, followed across servers
    Metrics metrics;
    Authenticator authenticate;
    std::unique_ptr<PushService> push_service;
    std::unique_ptr<StreamSubscriptions> stream_subscriptions;
    std::unique_ptr<BulkPublisher> bulk_publisher;
    std::unique_ptr<SyncTriggers> sync_triggers;  // webhooks, and in-process hooks a test registers
    // GetId and GetCredentialsForIdentity are open to anyone: the identities and credentials they store
    // are rate limited per client address and globally, and new credentials per identity too.
    std::unique_ptr<RateLimiter> new_identities;
    std::unique_ptr<RateLimiter> credentials;
    std::unique_ptr<RateLimiter> new_credentials_per_identity;
    std::unique_ptr<RequestHandler> handler;
    std::unique_ptr<IoPool> io_pool;
    std::unique_ptr<HttpServer> http;
    std::vector<std::unique_ptr<ProcessorRunner>> processors;  // first to stop
    // Stream retention and the signals that stop the server, on the main context's thread.
    std::unique_ptr<StreamRetention> retention;
    std::optional<boost::asio::steady_timer> retention_timer;
    std::optional<boost::asio::signal_set> signals;
    std::atomic<bool> stopping{false};

    Status open_store(const ServerEnvironment& environment);
    Status set_up_sign_in(const ServerEnvironment& environment);
    void set_up_requests();
    void add_gauges();
    Status start_processors();
    void prune_streams_every_minute();
};

Status Server::Parts::open_store(const ServerEnvironment& environment) {
    std::error_code made;
    std::filesystem::create_directories(options.data_dir, made);
    if (made) return failed("cannot create --data " + options.data_dir, {Errc::storage, made.message()});
    if (!options.store.empty()) {
        if (!is_pg_conninfo(options.store)) {
            return failed("--store",
                          {Errc::invalid_argument,
                           "expected a postgresql:// URL or a libpq key=value string (leave it out "
                           "for the embedded database in --data)"});
        }
        PgStorageOptions store_options;
        store_options.url = options.store;
        store_options.limits = options.limits;
        store_options.deployment_id = options.deployment_id;
        store_options.max_connections = options.store_connections;
        store_options.writers = options.store_writers;
        store_options.server_dir = options.data_dir;
        auto opened = PgStorage::open(store_options);
        if (!opened.ok())
            return failed(std::string("cannot open ").append(pg_conninfo_for_logs(options.store)),
                          opened.status());
        store = std::move(opened).value();
    } else {
        SqliteStorageOptions store_options;
        store_options.path = (std::filesystem::path(options.data_dir) / "synclatch-server.db").string();
        store_options.limits = options.limits;
        store_options.deployment_id = options.deployment_id;
        store_options.durable = environment.durable;
        auto opened = SqliteStorage::open(store_options);
        if (!opened.ok()) return failed("cannot open " + store_options.path, opened.status());
        store = std::move(opened).value();
    }
    std::vector<std::string> pools = options.pools;
    pools.insert(pools.begin(), kDefaultPoolId);
    for (const auto& pool : pools) {
        if (Status s = store->ensure_pool(pool, clock()); !s.ok())
            return failed("cannot create pool " + pool, s);
    }
    return {};
}

Status Server::Parts::set_up_sign_in(const ServerEnvironment& environment) {
    open_id_tokens = environment.open_id_tokens;
    if (!open_id_tokens && store->keeps_signing_keys()) {
        auto shared = SharedSigningKeys::open(*store, store->bus(), options.data_dir, "synclatch-server");
        if (!shared.ok()) return failed("cannot read or store the OpenID signing keys", shared.status());
        shared_signing_keys = std::move(shared).value();
        open_id_tokens = &shared_signing_keys->tokens();
    } else if (!open_id_tokens) {
        auto opened = OpenIdTokens::open(options.data_dir, "synclatch-server");
        if (!opened.ok()) return failed("cannot read or make the OpenID signing key", opened.status());
        own_open_id_tokens.emplace(std::move(opened).value());
        open_id_tokens = &*own_open_id_tokens;
    }
    JwksSourceOptions jwks_options;
    jwks_options.ca_file = options.jwks_ca_file;
    jwks_options.min_refresh_interval = std::chrono::seconds(options.jwks_min_refresh_seconds);
    jwks_options.open_http = platform::open_http_client;
    auto providers = LoginProviders::open(options.identity_pools, *open_id_tokens, jwks_options);
    if (!providers.ok()) return failed("cannot set up the login providers", providers.status());
    login_providers = std::move(providers).value();
    auto pools = PoolDefinitionSync::start(*store, *login_providers, store->bus(), options.identity_pools);
    if (!pools.ok()) return failed("cannot set up the identity pools made through the API", pools.status());
    pool_definitions = std::move(pools).value();
    authenticate =
        options.auth == AuthMode::none
            ? open_access()
            : make_sigv4_authenticator(*store, options.admin_key, options.stream_reader_keys, clock);
    return {};
}

void Server::Parts::set_up_requests() {
    push_service = std::make_unique<PushService>(*store, push_hub, authenticate);
    relay_push_hints(store->bus(), push_hub);
    stream_subscriptions = std::make_unique<StreamSubscriptions>(*store, authenticate);
    bulk_publisher = std::make_unique<BulkPublisher>(*store, clock);
    sync_triggers =
        std::make_unique<SyncTriggers>(std::chrono::milliseconds(options.sync_trigger_timeout_ms));
    new_identities = std::make_unique<RateLimiter>(new_identity_limits(options));
    credentials = std::make_unique<RateLimiter>(credentials_limits(options));
    new_credentials_per_identity =
        std::make_unique<RateLimiter>(new_credentials_per_identity_limits(options));
    handler = std::make_unique<RequestHandler>(
        *store, store->server_secret().value(), *open_id_tokens, authenticate, clock,
        options.credential_lifetime_seconds * 1000, metrics, &push_hub, *bulk_publisher, *sync_triggers,
        IdentityLimits{new_identities.get(), credentials.get(), new_credentials_per_identity.get()},
        login_providers.get(), options.link_imported_logins);
    io_pool = std::make_unique<IoPool>(options.threads);
    HttpServerOptions http_options = fitted_to_open_files(options.http);
    http = std::make_unique<HttpServer>(
        *io_pool, http_options,
        [this](const HttpRequest& request, ClientInfo client) { return handler->handle(request, client); },
        [this](std::shared_ptr<void> keep_alive, boost::beast::tcp_stream& stream, HttpRequest request,
               std::function<bool()> is_stopping) {
            if (StreamSubscriptions::owns(request)) {
                return stream_subscriptions->serve(std::move(keep_alive), stream, std::move(request),
                                                   std::move(is_stopping));
            }
            return push_service->serve(std::move(keep_alive), stream, std::move(request),
                                       std::move(is_stopping));
        },
        [auth = options.auth, max = http_options.max_body_bytes](const HttpRequest& head) {
            return max_request_body_bytes(head, auth, max);
        });
}

void Server::Parts::add_gauges() {
    HttpServer& server = *http;
    Storage& storage = *store;
    metrics.add_gauge("synclatch_open_connections", "Client connections open now.",
                      [&server] { return static_cast<double>(server.open_connections()); });
    metrics.add_gauge("synclatch_request_body_bytes_in_flight",
                      "Bytes of request bodies being received or handled now (--max-body-bytes-in-flight).",
                      [&server] { return static_cast<double>(server.body_bytes_in_flight()); });
    metrics.add_gauge("synclatch_connections_refused",
                      "Connections refused with 503 at --max-connections, since start.",
                      [&server] { return static_cast<double>(server.connections_refused()); });
    metrics.add_gauge("synclatch_request_bodies_refused",
                      "Requests refused with 429 at --max-body-bytes-in-flight, since start.",
                      [&server] { return static_cast<double>(server.bodies_refused()); });
    metrics.add_gauge("synclatch_records", "Live records in all datasets.",
                      [&storage] { return static_cast<double>(storage.count_records().value_or(0)); });
    metrics.add_gauge("synclatch_events_appended",
                      "Stream records appended so far (the last sequence number).",
                      [&storage] { return static_cast<double>(storage.last_stream_seq().value_or(0)); });
}

Status Server::Parts::start_processors() {
    const std::chrono::milliseconds lease_ttl = std::chrono::seconds(options.leader_lease_seconds);
    // A peer with our own deployment id would make our writes and its look alike: refuse to start.
    std::vector<std::unique_ptr<BridgeProcessor>> bridges;
    for (const auto& peer : options.peers) {
        BridgeOptions bridge_options;
        bridge_options.peer_url = peer.url;
        bridge_options.max_hops = options.max_hops;
        bridge_options.open_http = platform::open_http_client;
        const auto& key = peer.key ? peer.key : options.admin_key;
        if (key) {
            bridge_options.credentials = sync::sigv4::Credentials{key->access_key_id, key->secret, ""};
        } else {
            log(LogLevel::warn, "--peer " + peer.url +
                                    " without a key (in its URL or --admin-key): reads from it are unsigned, "
                                    "which only peers running --auth none accept");
        }
        auto bridge = BridgeProcessor::open(*store, metrics, clock, std::move(bridge_options));
        if (!bridge.ok()) return failed("cannot bridge", bridge.status());
        if (auto id = (*bridge)->peer_id(); id.ok() && *id == store->deployment_id()) {
            return failed("--peer " + peer.url, {Errc::conflict, "it has this deployment's own id '" + *id +
                                                                     "'; deployment ids must be unique"});
        } else if (!id.ok()) {
            log(LogLevel::warn, id.status().message() + " (checked again before replicating)");
        }
        bridges.push_back(std::move(bridge).value());
    }
    for (const auto& name : options.processors) {
        std::unique_ptr<Processor> processor;
        if (name == "trigger") processor = std::make_unique<TriggerProcessor>(*store, metrics, clock);
        if (name == "listener") processor = std::make_unique<ListenerProcessor>(*store, metrics, clock);
        if (processor)
            processors.push_back(std::make_unique<ProcessorRunner>(*store, std::move(processor), lease_ttl));
    }
    if (options.data_lake) {
        DataLakeOptions lake;
        lake.dir = options.data_lake_dir.empty() ? (std::filesystem::path(options.data_dir) / "lake").string()
                                                 : options.data_lake_dir;
        lake.rotate_bytes = options.data_lake_rotate_mb * 1024 * 1024;
        lake.rotate_age = std::chrono::minutes(options.data_lake_rotate_minutes);
        processors.push_back(std::make_unique<ProcessorRunner>(
            *store, std::make_unique<DataLake>(*store, metrics, clock, std::move(lake)), lease_ttl));
    }
    for (auto& bridge : bridges)
        processors.push_back(std::make_unique<ProcessorRunner>(*store, std::move(bridge), lease_ttl));
    return {};
}

// Stream retention. Each pass is one short, index-driven transaction; the timer lives on the main
// context's thread, and `stopping` is checked before re-arming so a stop always ends the loop.
void Server::Parts::prune_streams_every_minute() {
    retention->run_pass();
    if (stopping) return;
    retention_timer->expires_after(std::chrono::minutes(1));
    retention_timer->async_wait([this](const boost::system::error_code& ec) {
        if (!ec) prune_streams_every_minute();
    });
}

Result<std::unique_ptr<Server>> Server::open(ServerOptions options, ServerEnvironment environment) {
    auto parts = std::make_unique<Parts>();
    parts->options = std::move(options);
    parts->clock = environment.clock ? std::move(environment.clock) : system_now;
    parts->stop_on_signals = environment.stop_on_signals;
    if (Status s = parts->open_store(environment); !s.ok()) return s;
    if (Status s = parts->set_up_sign_in(environment); !s.ok()) return s;
    if (auto secret = parts->store->server_secret(); !secret.ok())
        return failed("cannot read the server secret", secret.status());
    parts->set_up_requests();
    parts->add_gauges();
    parts->retention = std::make_unique<StreamRetention>(*parts->store, parts->metrics,
                                                         parts->options.retention, parts->clock);
    parts->retention_timer.emplace(parts->io_pool->main());
    // Caught from now on: a signal that comes before run() waits for it, and then stops the server.
    parts->signals.emplace(parts->io_pool->main());
    if (parts->stop_on_signals) {
        parts->signals->add(SIGINT);
        parts->signals->add(SIGTERM);
    }
    if (Status s = parts->start_processors(); !s.ok()) return s;
    return std::unique_ptr<Server>(new Server(std::move(parts)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() {
    parts_->processors.clear();      // each ends after its batch in flight, before the store closes
    parts_->bulk_publisher.reset();  // stops between batches
}

Result<boost::asio::ip::tcp::endpoint> Server::listen() {
    if (parts_->options.auth == AuthMode::none)
        log(LogLevel::warn,
            "*** --auth none: requests are NOT authenticated; anyone can read and write any identity's "
            "data. Use this for local development only. ***");
    return parts_->http->start();
}

void Server::run() {
    boost::asio::io_context& main_context = parts_->io_pool->main();
    if (parts_->stop_on_signals) {
        parts_->signals->async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            log(LogLevel::info,
                "signal " + std::to_string(signal) + ": finishing requests in flight, then stopping");
            stop();
        });
    }
    boost::asio::post(main_context, [this] { parts_->prune_streams_every_minute(); });
    parts_->io_pool->run();
}

void Server::stop() {
    parts_->stopping = true;
    // What it ends lives on the main context's thread; a stop before run() takes effect when run() starts.
    boost::asio::post(parts_->io_pool->main(), [this] {
        parts_->http->stop();
        parts_->retention_timer->cancel();
        parts_->signals->cancel();
        parts_->io_pool->release();  // each thread ends once its connections have finished
    });
}

const RequestHandler& Server::handler() const {
    return *parts_->handler;
}

Storage& Server::store() {
    return *parts_->store;
}

SyncTriggers& Server::sync_triggers() {
    return *parts_->sync_triggers;
}

const ServerOptions& Server::options() const {
    return parts_->options;
}

std::string Server::store_description() const {
    if (parts_->options.store.empty()) return "data: " + parts_->options.data_dir;
    return std::string("store: ").append(pg_conninfo_for_logs(parts_->options.store));
}

std::string Server::processors_running() const {
    const ServerOptions& options = parts_->options;
    std::string running;
    for (const auto& name : options.processors)
        running += (running.empty() ? "" : ", ") + name;
    for (const auto& peer : options.peers)
        running += (running.empty() ? "" : ", ") + std::string("bridge from ") + peer.url;
    if (options.data_lake) running += running.empty() ? "datalake" : ", datalake";
    return running.empty() ? "none" : running;
}

}  // namespace synclatch::server
