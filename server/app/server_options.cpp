// Command line and config file of synclatch-server, with CLI11 (it also reads INI/TOML config files).
#include "server_options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "store/storage.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/endpoint.hpp"

namespace synclatch::server {

namespace {

// Per address: `per_minute` at once, then as many per minute; globally: `per_second` at once, then as many
// per second.
RateLimiterOptions address_and_global_limits(long per_minute_per_address, long per_second) {
    RateLimiterOptions limits;
    const auto per_address = static_cast<double>(per_minute_per_address);
    limits.per_address.per_second = per_address / 60;
    limits.per_address.burst = per_address;
    const auto global = static_cast<double>(per_second);
    limits.global.per_second = global;
    limits.global.burst = global;
    return limits;
}

// "ACCESS:SECRET", or nullopt when it is not that.
std::optional<AdminKey> parse_key(const std::string& text) {
    const auto split = text.find(':');
    if (split == std::string::npos || split == 0 || split + 1 == text.size()) return std::nullopt;
    return AdminKey{text.substr(0, split), text.substr(split + 1)};
}

// "http://[ACCESS:SECRET@]host:port"; its messages never repeat the secret.
Result<PeerOption> parse_peer(const std::string& text) {
    PeerOption peer;
    peer.url = text;
    const auto authority = text.find("://");
    const auto at = authority == std::string::npos ? std::string::npos : text.find('@', authority + 3);
    const auto path = authority == std::string::npos ? std::string::npos : text.find('/', authority + 3);
    if (at != std::string::npos && (path == std::string::npos || at < path)) {
        peer.key = parse_key(text.substr(authority + 3, at - authority - 3));
        peer.url = text.substr(0, authority + 3) + text.substr(at + 1);
        if (!peer.key)
            return Status{Errc::invalid_argument,
                          peer.url + ": the credentials before @ must be ACCESS:SECRET"};
    }
    if (auto endpoint = sync::parse_endpoint(peer.url); !endpoint.ok())
        return Status{Errc::invalid_argument, peer.url + ": " + endpoint.status().message()};
    return peer;
}

}  // namespace

void lift_rate_limits(ServerOptions& options) {
    options.new_identities_per_minute_per_address = 0;
    options.new_identities_per_second = 0;
    options.credentials_per_minute_per_address = 0;
    options.credentials_per_second = 0;
    options.new_credentials_per_hour_per_identity = 0;
}

RateLimiterOptions new_identity_limits(const ServerOptions& options) {
    return address_and_global_limits(options.new_identities_per_minute_per_address,
                                     options.new_identities_per_second);
}

RateLimiterOptions credentials_limits(const ServerOptions& options) {
    return address_and_global_limits(options.credentials_per_minute_per_address,
                                     options.credentials_per_second);
}

RateLimiterOptions new_credentials_per_identity_limits(const ServerOptions& options) {
    RateLimiterOptions limits;
    const auto per_identity = static_cast<double>(options.new_credentials_per_hour_per_identity);
    limits.per_address.per_second = per_identity / 3600;
    limits.per_address.burst = per_identity;
    return limits;
}

ParsedOptions parse_server_options(int argc, char** argv) {
    ServerOptions o;
    CLI::App app{
        "synclatch-server: a self-hosted endpoint that speaks the AWS Cognito Sync and Cognito Identity "
        "APIs.\n"
        "Point AWS SDK apps (or the synclatch client) at http://HOST:PORT. Data lives in an SQLite file in "
        "--data, or in PostgreSQL with --store.\n"
        "synclatch-server copy --from DIR --to postgresql://...: moves an embedded store into PostgreSQL "
        "(see copy --help).\n"
        "synclatch-server import-cognito --pool ID --data DIR | --store URL: copies an Amazon Cognito Sync "
        "identity pool into the store over the public APIs (see import-cognito --help).\n"
        "synclatch-server rotate-signing-key --store URL | --data DIR: a new OpenID signing key, the current "
        "one kept as the previous (see rotate-signing-key --help)."};
    app.set_config("--config", "", "read options from this INI or TOML file (command-line flags win)");

    std::string listen = "127.0.0.1:8080";
    app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port, printed at start)")
        ->capture_default_str();
    app.add_option("--data", o.data_dir,
                   "folder of the server's own files (created when missing): the embedded database unless "
                   "--store says otherwise (one server's: a second one on it refuses to start), the OpenID "
                   "signing key, the data lake")
        ->capture_default_str();
    app.add_option("--store", o.store,
                   "where the data lives: empty for the embedded SQLite database in --data (the default); "
                   "postgresql://USER@HOST:PORT/DATABASE (or a libpq key=value string) for a PostgreSQL "
                   "database that any number of servers share (docs/scaling.md). A password belongs in "
                   "--config or $SYNCLATCH_STORE, not on the command line")
        ->envname("SYNCLATCH_STORE");
    app.add_option("--store-connections", o.store_connections,
                   "PostgreSQL connections this server opens at most")
        ->check(CLI::Range(std::size_t{4}, std::size_t{1000}))
        ->capture_default_str();
    app.add_option("--store-writers", o.store_writers,
                   "PostgreSQL: group commit's transactions in flight at once (each batches many writes "
                   "and holds a connection of --store-connections)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
        ->capture_default_str();
    app.add_option("--leader-lease-seconds", o.leader_lease_seconds,
                   "with several servers on one database: how long a processor's leader keeps it without "
                   "renewing, so how soon another server takes over when the leader dies (one that stops "
                   "hands over at once). Shorter fails over sooner but a stalled leader loses it sooner")
        ->check(CLI::Range(2L, 300L))
        ->capture_default_str();
    std::string auth = "sigv4";
    app.add_option(
           "--auth", auth,
           "sigv4: requests must be signed with credentials from GetCredentialsForIdentity or the admin key; "
           "none: no checks at all (development only; logged loudly)")
        ->check(CLI::IsMember({"sigv4", "none"}))
        ->capture_default_str();
    app.add_option("--pool", o.pools,
                   std::string("identity pool ids to create at start (repeatable); ") + kDefaultPoolId +
                       " always exists. CreateIdentityPool makes more at run time");
    std::string admin;
    app.add_option("--admin-key", admin,
                   "ACCESS:SECRET developer credentials: may act on any identity and on pools");
    app.add_option("--max-body-bytes", o.http.max_body_bytes,
                   "largest request body accepted (signed calls; unsigned ones get far less)")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
        ->capture_default_str();
    app.add_option("--max-connections", o.http.max_connections,
                   "connections open at once, push and stream channels included; beyond it a client gets "
                   "503 and a close. Lowered to fit the open-file limit")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--max-connections-per-address", o.http.max_connections_per_address,
                   "connections open at once from one client address (behind a proxy every client has "
                   "the proxy's: raise it there)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--max-body-bytes-in-flight", o.http.max_body_bytes_in_flight,
                   "request bodies being received or handled, and answers over 16 KiB being written, all "
                   "connections together; beyond it a request gets 429 TooManyRequestsException with "
                   "Retry-After")
        ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--max-body-bytes-in-flight-per-address", o.http.max_body_bytes_in_flight_per_address,
                   "the same, for one client address (at least --max-body-bytes)")
        ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 40))
        ->capture_default_str();
    app.add_option("--max-datasets-per-identity", o.limits.max_datasets_per_identity,
                   "quota (Cognito's by default); beyond it UpdateRecords is LimitExceededException")
        ->capture_default_str();
    app.add_option("--max-records-per-dataset", o.limits.max_records_per_dataset,
                   "quota: live records per dataset")
        ->capture_default_str();
    app.add_option("--max-bytes-per-dataset", o.limits.max_bytes_per_dataset,
                   "quota: UTF-8 bytes of keys and values per dataset")
        ->capture_default_str();
    app.add_option("--max-patches-per-request", o.limits.max_patches_per_request,
                   "record patches per UpdateRecords")
        ->capture_default_str();
    long request_timeout_ms = o.http.request_timeout.count();
    app.add_option("--request-timeout-ms", request_timeout_ms, "time allowed to receive one request")
        ->capture_default_str();
    app.add_option(
           "--stream-retention-hours", o.retention.hours,
           "drop stream records older than this once every registered consumer has read them (0: keep "
           "any age)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--stream-retention-records", o.retention.records,
                   "keep this many records per stream, and older ones until every registered consumer has "
                   "read them (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--stream-retention-hard-records", o.retention.hard_records,
                   "keep at most this many records per stream even if a consumer has not read them: it is "
                   "told (a metric, a warning, TrimmedDataAccessException) (0: no hard cap)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--sync-trigger-timeout-ms", o.sync_trigger_timeout_ms,
                   "time a SyncTrigger webhook has to answer before UpdateRecords fails")
        ->check(CLI::Range(100L, 60'000L))
        ->capture_default_str();
    auto* threads = app.add_option("--threads", o.threads,
                                   "threads serving connections (each request runs on one; database writes "
                                   "are batched on writer threads of their own). Default: " +
                                       std::to_string(ServerOptions::kDefaultThreads) + ", or " +
                                       std::to_string(ServerOptions::kDefaultThreadsOnPostgres) +
                                       " with --store, where a request's reads wait on the network")
                        ->check(CLI::Range(1u, 256u));
    app.add_option(
           "--deployment-id", o.deployment_id,
           "this deployment's id, the origin of its clients' writes and events (1-64 of "
           "[A-Za-z0-9_.-]; default: the one in --data, else a random one). Fixed for a data dir's life")
        ->check([](const std::string& id) {
            const Status s = validate_deployment_id(id);
            return s.ok() ? std::string() : s.message();
        });
    app.add_option("--processor", o.processors,
                   "run a stream processor (repeatable). trigger: each client write becomes a thing-* event "
                   "on stream events; listener: thing-* events from other sources are written into the "
                   "identity's 'things' dataset (DESIGN.md, \"The latch\")")
        ->check(CLI::IsMember({"trigger", "listener"}));
    std::vector<std::string> peers;
    app.add_option(
        "--peer", peers,
        "replicate another deployment's dataset writes and deletions into this one (repeatable): reads its "
        "stream events, signed with the key in the URL (http://ACCESS:SECRET@host:port, one of the peer's "
        "--stream-reader-key; put it in --config to keep it out of argv) or else --admin-key. Both ways: "
        "each names the other. Turns on the trigger, so this deployment's writes are published for its "
        "peers");
    std::vector<std::string> reader_keys;
    app.add_option("--stream-reader-key", reader_keys,
                   "ACCESS:SECRET credentials that may read the event streams and nothing else (repeatable): "
                   "give each peer that bridges from this deployment its own");
    app.add_option("--max-hops", o.max_hops,
                   "bridges an event may cross: 1 replicates between direct peers only; in a chain or a "
                   "ring of N deployments where not all are peers, N-1 (received events are then forwarded)")
        ->check(CLI::Range(1, 16))
        ->capture_default_str();
    app.add_option(
        "--data-lake", o.data_lake_dir,
        "folder of the data lake: every stream record as NDJSON, replayable with `synclatch replay` "
        "(default: DATA/lake)");
    bool no_data_lake = false;
    app.add_flag("--no-data-lake", no_data_lake, "do not keep a data lake");
    app.add_option("--data-lake-rotate-mb", o.data_lake_rotate_mb, "start a new lake file at this size")
        ->check(CLI::Range(1L, 4096L))
        ->capture_default_str();
    app.add_option("--data-lake-rotate-minutes", o.data_lake_rotate_minutes,
                   "start a new lake file at this age")
        ->check(CLI::Range(1L, 7L * 24 * 60))
        ->capture_default_str();
    app.add_option(
           "--new-identities-per-minute-per-address", o.new_identities_per_minute_per_address,
           "GetId calls that create an identity, per client address: this many at once, then this "
           "many per minute; beyond it TooManyRequestsException (429) with Retry-After (0: no limit). "
           "The address is the connection's peer: behind a reverse proxy, all clients share the "
           "proxy's")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--new-identities-per-second", o.new_identities_per_second,
                   "GetId calls that create an identity, for the whole server: this many at once, then this "
                   "many per second; beyond it TooManyRequestsException (429) with Retry-After (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option(
           "--credentials-per-minute-per-address", o.credentials_per_minute_per_address,
           "GetCredentialsForIdentity calls per client address: this many at once, then this many per "
           "minute; beyond it TooManyRequestsException (429) with Retry-After (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option(
           "--credentials-per-second", o.credentials_per_second,
           "GetCredentialsForIdentity calls for the whole server: this many at once, then this many per "
           "second; beyond it TooManyRequestsException (429) with Retry-After (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option(
           "--new-credentials-per-hour-per-identity", o.new_credentials_per_hour_per_identity,
           "new credential sets one identity may get: this many at once, then this many per hour; "
           "beyond it GetCredentialsForIdentity answers the identity's newest set again (0: no limit; "
           "else at least 2, so that the newest set always has half its hour left)")
        ->check((CLI::Range(0L, 0L) | CLI::Range(2L, 1'000'000L)).description("0 or 2..1000000"))
        ->capture_default_str();
    app.add_option("--credential-lifetime-seconds", o.credential_lifetime_seconds,
                   "how long the credentials GetCredentialsForIdentity gives last (Cognito's: an hour); "
                   "clients ask again about five minutes before they expire")
        ->check(CLI::Range(1L, 43'200L))
        ->capture_default_str();
    std::string identity_pools_file;
    app.add_option(
           "--identity-pools", identity_pools_file,
           "JSON file of sign-in settings per identity pool: {\"<pool id>\": {"
           "\"AllowUnauthenticatedIdentities\": true, \"DeveloperProviderName\": \"login.example.app\", "
           "\"OpenIdConnectProviders\": [{\"Name\": \"accounts.example.com\", \"Issuer\": "
           "\"https://accounts.example.com\", \"Audiences\": [\"client-id\"], \"JwksUrl\": "
           "\"https://accounts.example.com/.well-known/jwks.json\"}]}} (or \"JwksFile\": a path, "
           "relative to this file). Name is the Logins key apps send; tokens must carry Issuer as iss and "
           "one of Audiences as aud. Pools not named have the defaults: guests allowed, no providers. "
           "Pools made at run time with CreateIdentityPool (developer key) are kept in the database, "
           "not here (docs/identity.md)")
        ->check(CLI::ExistingFile);
    std::vector<std::string> login_providers;
    app.add_option(
        "--login-provider", login_providers,
        "an OpenID Connect provider of the default pool (repeatable): "
        "NAME,ISSUER,AUDIENCE[+AUDIENCE...],JWKS. NAME is the Logins key, ISSUER the tokens' exact iss, "
        "AUDIENCE their accepted aud (client ids), JWKS an http(s):// URL (fetched at start, hourly, and "
        "on an unknown kid at most every --jwks-min-refresh-seconds) or a file path (re-read on an unknown "
        "kid). "
        "The first three fields cannot contain a comma; JWKS is the rest of the value. Other pools: "
        "--identity-pools");
    bool no_unauthenticated = false;
    app.add_flag("--no-unauthenticated-identities", no_unauthenticated,
                 "the default pool refuses guests: GetId without Logins is NotAuthorizedException");
    std::string developer_provider;
    app.add_option(
        "--developer-provider", developer_provider,
        "the default pool's developer provider name (DeveloperProviderName, e.g. login.example.app), "
        "for developer-authenticated identities");
    app.add_flag(
        "--link-imported-logins", o.link_imported_logins,
        "identities imported from Amazon Cognito (import-cognito) with a social or OpenID Connect login "
        "(whose user Cognito's API does not give) are linked to the first valid token of that "
        "provider presented with the identity's id (GetCredentialsForIdentity), as their user "
        "signs in again. Until then anyone with a valid token of that provider who knows the "
        "identity id could take it: turn it on for the cut-over only (docs/migrating-from-cognito.md). "
        "Off: such identities refuse every login of those providers");
    app.add_option("--jwks-ca-file", o.jwks_ca_file,
                   "PEM file of the CAs trusted for https JWKS URLs (default: the system's CA store)")
        ->check(CLI::ExistingFile);
    app.add_option("--jwks-min-refresh-seconds", o.jwks_min_refresh_seconds,
                   "a login provider's keys are reloaded at most this often when a token names a key "
                   "not at hand (a rotation), and a failed load is retried this often")
        ->check(CLI::Range(1L, 86'400L))
        ->capture_default_str();
    app.add_option("--log-level", o.log_level, "error, warn, info or debug")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return {std::nullopt, app.exit(e)};
    }

    const auto colon = listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
        try {
            port = std::stoi(listen.substr(colon + 1));
        } catch (...) {
            port = -1;
        }
    }
    if (colon == std::string::npos || port < 0 || port > 65535) {
        std::fprintf(stderr, "--listen: expected HOST:PORT, got '%s'\n", listen.c_str());
        return {std::nullopt, 2};
    }
    o.http.host = listen.substr(0, colon);
    o.http.port = static_cast<unsigned short>(port);
    o.http.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    if (o.http.max_body_bytes_in_flight_per_address < o.http.max_body_bytes) {
        std::fprintf(stderr,
                     "--max-body-bytes-in-flight-per-address must be at least --max-body-bytes (%zu), or no "
                     "request of that size could ever be taken\n",
                     o.http.max_body_bytes);
        return {std::nullopt, 2};
    }
    if (o.http.max_body_bytes_in_flight < o.http.max_body_bytes_in_flight_per_address) {
        std::fprintf(stderr,
                     "--max-body-bytes-in-flight must be at least --max-body-bytes-in-flight-per-address "
                     "(%zu)\n",
                     o.http.max_body_bytes_in_flight_per_address);
        return {std::nullopt, 2};
    }
    if (threads->count() == 0 && !o.store.empty()) o.threads = ServerOptions::kDefaultThreadsOnPostgres;
    o.auth = auth == "none" ? AuthMode::none : AuthMode::sigv4;
    o.data_lake = !no_data_lake;
    for (const auto& pool : o.pools) {
        if (Status s = core::validate_identity_pool_id(pool); !s.ok()) {
            std::fprintf(stderr, "--pool %s: %s\n", pool.c_str(), s.message().c_str());
            return {std::nullopt, 2};
        }
    }
    if (!identity_pools_file.empty()) {
        auto pools = read_identity_pools_file(identity_pools_file);
        if (!pools.ok()) {
            std::fprintf(stderr, "--identity-pools %s\n", pools.status().message().c_str());
            return {std::nullopt, 2};
        }
        o.identity_pools = std::move(pools).value();
    }
    if (!login_providers.empty() || no_unauthenticated || !developer_provider.empty()) {
        if (o.identity_pools.contains(kDefaultPoolId)) {
            std::fprintf(stderr,
                         "--login-provider, --no-unauthenticated-identities and --developer-provider set the "
                         "default pool %s, which --identity-pools sets too: give it in one place\n",
                         kDefaultPoolId);
            return {std::nullopt, 2};
        }
        auto settings = settings_from_command_line(login_providers, !no_unauthenticated, developer_provider);
        if (!settings.ok()) {
            std::fprintf(stderr, "%s\n", settings.status().message().c_str());
            return {std::nullopt, 2};
        }
        o.identity_pools.emplace(kDefaultPoolId, std::move(settings).value());
    }
    for (const auto& peer : peers) {
        auto parsed = parse_peer(peer);
        if (!parsed.ok()) {
            std::fprintf(stderr, "--peer: %s\n", parsed.status().message().c_str());
            return {std::nullopt, 2};
        }
        o.peers.push_back(std::move(parsed).value());
    }
    for (const auto& text : reader_keys) {
        auto key = parse_key(text);
        if (!key) {
            std::fprintf(stderr, "--stream-reader-key: expected ACCESS:SECRET\n");
            return {std::nullopt, 2};
        }
        o.stream_reader_keys.push_back(std::move(*key));
    }
    if (!o.peers.empty()) o.processors.push_back("trigger");
    std::sort(o.processors.begin(), o.processors.end());  // each runs once, however often it is named
    o.processors.erase(std::unique(o.processors.begin(), o.processors.end()), o.processors.end());
    if (!admin.empty()) {
        o.admin_key = parse_key(admin);
        if (!o.admin_key) {
            std::fprintf(stderr, "--admin-key: expected ACCESS:SECRET\n");
            return {std::nullopt, 2};
        }
    }
    return {std::move(o), 0};
}

}  // namespace synclatch::server
