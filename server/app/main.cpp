// synclatch-server: opens the store in --data, creates the pools, listens, and serves until SIGINT or
// SIGTERM; then it stops accepting, finishes requests in flight and closes the store.
#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "bridge_processor.hpp"
#include "data_lake.hpp"
#include "http_server.hpp"
#include "identity_pool_api.hpp"
#include "io_pool.hpp"
#include "listener_processor.hpp"
#include "log.hpp"
#include "login_providers.hpp"
#include "metrics.hpp"
#include "open_file_limit.hpp"
#include "processor_runner.hpp"
#include "push_hub.hpp"
#include "push_service.hpp"
#include "request_body_limits.hpp"
#include "request_handler.hpp"
#include "server_options.hpp"
#include "sigv4_authenticator.hpp"
#include "stream_subscriptions.hpp"
#include "sync_store.hpp"
#include "trigger_processor.hpp"

using namespace synclatch;
using namespace synclatch::server;

namespace {

EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int fail(const std::string& what, const Status& status) {
    log(LogLevel::error, what + ": " + status.to_string());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = parse_server_options(argc, argv);
    if (!parsed.options) return parsed.exit_code;
    const ServerOptions& options = *parsed.options;
    set_log_level(options.log_level);

    std::error_code made;
    std::filesystem::create_directories(options.data_dir, made);
    if (made) return fail("cannot create --data " + options.data_dir, {Errc::storage, made.message()});
    SyncStoreOptions store_options;
    store_options.path = (std::filesystem::path(options.data_dir) / "synclatch-server.db").string();
    store_options.limits = options.limits;
    store_options.deployment_id = options.deployment_id;
    auto store = SyncStore::open(store_options);
    if (!store.ok()) return fail("cannot open " + store_options.path, store.status());

    std::vector<std::string> pools = options.pools;
    pools.insert(pools.begin(), kDefaultPoolId);
    for (const auto& pool : pools) {
        if (Status s = (*store)->ensure_pool(pool, system_now()); !s.ok())
            return fail("cannot create pool " + pool, s);
    }
    auto secret = (*store)->server_secret();
    if (!secret.ok()) return fail("cannot read the server secret", secret.status());
    auto open_id_tokens = OpenIdTokens::open(options.data_dir, "synclatch-server");
    if (!open_id_tokens.ok())
        return fail("cannot read or make the OpenID signing key", open_id_tokens.status());
    JwksSourceOptions jwks_options;
    jwks_options.ca_file = options.jwks_ca_file;
    jwks_options.min_refresh_interval = std::chrono::seconds(options.jwks_min_refresh_seconds);
    auto login_providers = LoginProviders::open(options.identity_pools, *open_id_tokens, jwks_options);
    if (!login_providers.ok()) return fail("cannot set up the login providers", login_providers.status());
    if (Status s = restore_api_pools(**store, **login_providers, options.identity_pools); !s.ok())
        return fail("cannot set up the identity pools made through the API", s);

    Authenticator authenticate;
    if (options.auth == AuthMode::none) {
        log(LogLevel::warn,
            "*** --auth none: requests are NOT authenticated; anyone can read and write any identity's "
            "data. Use this for local development only. ***");
        authenticate = [](const HttpRequest&, const RequestTarget&) -> Result<Principal> {
            return Principal{};
        };
    } else {
        authenticate = make_sigv4_authenticator(**store, options.admin_key, system_now);
    }
    Metrics metrics;
    PushHub push_hub;
    PushService push_service(**store, push_hub, authenticate);
    StreamSubscriptions stream_subscriptions(**store, authenticate);
    auto bulk_publisher = std::make_unique<BulkPublisher>(**store, system_now);
    // SyncTrigger webhooks; a program embedding the server registers in-process hooks here too.
    SyncTriggers sync_triggers(std::chrono::milliseconds(options.sync_trigger_timeout_ms));
    // GetId and GetCredentialsForIdentity are open to anyone: the identities and credentials they store
    // are rate limited per client address and globally, and new credentials per identity too.
    RateLimiter new_identities(new_identity_limits(options));
    RateLimiter credentials(credentials_limits(options));
    RateLimiter new_credentials_per_identity(new_credentials_per_identity_limits(options));
    RequestHandler handler(
        **store, std::move(secret).value(), *open_id_tokens, std::move(authenticate), system_now,
        options.credential_lifetime_seconds * 1000, metrics, &push_hub, *bulk_publisher, sync_triggers,
        IdentityLimits{&new_identities, &credentials, &new_credentials_per_identity}, login_providers->get());

    HttpServerOptions http_options = options.http;
    if (const std::size_t files = raise_open_file_limit(); files > 0) {
        const std::size_t room = files > kDescriptorsKeptForServer ? files - kDescriptorsKeptForServer : 1;
        if (http_options.max_connections > room) {
            log(LogLevel::warn, "--max-connections " + std::to_string(http_options.max_connections) +
                                    " lowered to " + std::to_string(room) + " to fit the open-file limit (" +
                                    std::to_string(files) + ")");
            http_options.max_connections = room;
        }
    }
    IoPool io_pool(options.threads);
    HttpServer http(
        io_pool, http_options,
        [&handler](const HttpRequest& request, ClientInfo client) { return handler.handle(request, client); },
        [&push_service, &stream_subscriptions](std::shared_ptr<void> keep_alive,
                                               boost::beast::tcp_stream& stream, HttpRequest request,
                                               std::function<bool()> stopping) {
            if (StreamSubscriptions::owns(request)) {
                return stream_subscriptions.serve(std::move(keep_alive), stream, std::move(request),
                                                  std::move(stopping));
            }
            return push_service.serve(std::move(keep_alive), stream, std::move(request), std::move(stopping));
        },
        [auth = options.auth, max = http_options.max_body_bytes](const HttpRequest& head) {
            return max_request_body_bytes(head, auth, max);
        });
    SyncStore& sync_store = **store;
    metrics.add_gauge("synclatch_open_connections", "Client connections open now.",
                      [&http] { return static_cast<double>(http.open_connections()); });
    metrics.add_gauge("synclatch_request_body_bytes_in_flight",
                      "Bytes of request bodies being received or handled now (--max-body-bytes-in-flight).",
                      [&http] { return static_cast<double>(http.body_bytes_in_flight()); });
    metrics.add_gauge("synclatch_connections_refused",
                      "Connections refused with 503 at --max-connections, since start.",
                      [&http] { return static_cast<double>(http.connections_refused()); });
    metrics.add_gauge("synclatch_request_bodies_refused",
                      "Requests refused with 429 at --max-body-bytes-in-flight, since start.",
                      [&http] { return static_cast<double>(http.bodies_refused()); });
    metrics.add_gauge("synclatch_records", "Live records in all datasets.",
                      [&sync_store] { return static_cast<double>(sync_store.count_records().value_or(0)); });
    metrics.add_gauge(
        "synclatch_events_appended", "Stream records appended so far (the last sequence number).",
        [&sync_store] { return static_cast<double>(sync_store.last_stream_seq().value_or(0)); });
    // A peer with our own deployment id would make our writes and its look alike: refuse to start.
    std::vector<std::unique_ptr<BridgeProcessor>> bridges;
    if (!options.peers.empty() && !options.admin_key)
        log(LogLevel::warn,
            "--peer without --admin-key: reads from peers are unsigned, which only peers running "
            "--auth none accept");
    for (const auto& peer : options.peers) {
        BridgeOptions bridge_options;
        bridge_options.peer_url = peer;
        bridge_options.max_hops = options.max_hops;
        if (options.admin_key)
            bridge_options.credentials =
                sync::sigv4::Credentials{options.admin_key->access_key_id, options.admin_key->secret, ""};
        auto bridge = BridgeProcessor::open(sync_store, metrics, system_now, std::move(bridge_options));
        if (!bridge.ok()) return fail("cannot bridge", bridge.status());
        if (auto id = (*bridge)->peer_id(); id.ok() && *id == sync_store.deployment_id()) {
            return fail("--peer " + peer, {Errc::conflict, "it has this deployment's own id '" + *id +
                                                               "'; deployment ids must be unique"});
        } else if (!id.ok()) {
            log(LogLevel::warn, id.status().message() + " (checked again before replicating)");
        }
        bridges.push_back(std::move(bridge).value());
    }
    std::vector<std::unique_ptr<ProcessorRunner>> processors;
    for (const auto& name : options.processors) {
        std::unique_ptr<Processor> processor;
        if (name == "trigger")
            processor = std::make_unique<TriggerProcessor>(sync_store, metrics, system_now);
        if (name == "listener")
            processor = std::make_unique<ListenerProcessor>(sync_store, metrics, system_now);
        if (processor) processors.push_back(std::make_unique<ProcessorRunner>(std::move(processor)));
    }
    if (options.data_lake) {
        DataLakeOptions lake;
        lake.dir = options.data_lake_dir.empty() ? (std::filesystem::path(options.data_dir) / "lake").string()
                                                 : options.data_lake_dir;
        lake.rotate_bytes = options.data_lake_rotate_mb * 1024 * 1024;
        lake.rotate_age = std::chrono::minutes(options.data_lake_rotate_minutes);
        processors.push_back(std::make_unique<ProcessorRunner>(
            std::make_unique<DataLake>(sync_store, metrics, system_now, std::move(lake))));
    }
    for (auto& bridge : bridges)
        processors.push_back(std::make_unique<ProcessorRunner>(std::move(bridge)));
    auto endpoint = http.start();
    if (!endpoint.ok()) return fail("cannot start", endpoint.status());

    // Stream retention, applied once a minute. Each pass is one short, index-driven transaction; the timer
    // lives on the main context's thread, and `stopping` is checked before re-arming so a stop always ends
    // the loop.
    boost::asio::io_context& main_context = io_pool.main();
    boost::asio::steady_timer retention(main_context);
    std::atomic<bool> stopping{false};
    std::function<void()> prune = [&] {
        const EpochMillis age = options.stream_retention_hours * 3600 * 1000;
        auto dropped =
            sync_store.prune_streams(age > 0 ? system_now() - age : 0, options.stream_retention_records);
        if (dropped.ok() && *dropped > 0)
            log(LogLevel::info, "stream retention dropped " + std::to_string(*dropped));
        if (!dropped.ok()) log(LogLevel::warn, "stream retention: " + dropped.status().to_string());
        if (stopping) return;
        retention.expires_after(std::chrono::minutes(1));
        retention.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) prune();
        });
    };
    boost::asio::post(main_context, prune);

    boost::asio::signal_set signals(main_context, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log(LogLevel::info,
            "signal " + std::to_string(signal) + ": finishing requests in flight, then stopping");
        http.stop();
        stopping = true;
        retention.cancel();  // the signal handler runs on the main context's thread, as the timer does
        io_pool.release();   // each thread ends once its connections have finished
    });

    // Tests and scripts read this line to learn the port (with --listen HOST:0); it comes once SIGTERM is
    // handled, so a stop right after it is graceful.
    std::string running;
    for (const auto& name : options.processors)
        running += (running.empty() ? "" : ", ") + name;
    for (const auto& peer : options.peers)
        running += ", bridge from " + peer;
    if (options.data_lake) running += running.empty() ? "datalake" : ", datalake";
    std::printf(
        "synclatch-server listening on http://%s:%u (data: %s, auth: %s, deployment: %s, processors: %s)\n",
        endpoint->address().to_string().c_str(), endpoint->port(), options.data_dir.c_str(),
        options.auth == AuthMode::none ? "none" : "sigv4", sync_store.deployment_id().c_str(),
        running.empty() ? "none" : running.c_str());
    std::fflush(stdout);

    io_pool.run();
    processors.clear();      // each ends after its batch in flight, before the store it writes to closes
    bulk_publisher.reset();  // stops between batches; before the store it writes to closes
    store->reset();
    log(LogLevel::info, "stopped");
    return 0;
}
