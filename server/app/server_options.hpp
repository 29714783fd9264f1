// ServerOptions: everything synclatch-server can be told, from its command line or a config file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/admin_key.hpp"
#include "auth/authenticator.hpp"
#include "auth/identity_pool_settings.hpp"
#include "http/http_server.hpp"
#include "http/rate_limiter.hpp"
#include "processors/stream_retention.hpp"
#include "store/record_storage.hpp"

namespace synclatch::server {

inline constexpr const char* kDefaultPoolId = "us-east-1:00000000-0000-0000-0000-000000000000";

// A deployment to replicate from: its URL (without credentials), and the key to read its streams with
// (given as http://ACCESS:SECRET@host:port; none: the admin key).
struct PeerOption {
    std::string url;
    std::optional<AdminKey> key;
};

struct ServerOptions {
    HttpServerOptions http;
    std::string data_dir = "./synclatch-data";
    // Where the data lives: "" for the embedded SQLite file in data_dir; a PostgreSQL URL
    // (postgresql://...) or libpq "key=value" string for a database that any number of servers share.
    std::string store;
    std::size_t store_connections = 16;  // PostgreSQL connections per server
    std::size_t store_writers = 2;       // PostgreSQL group commit transactions in flight, per server
    long leader_lease_seconds = 10;      // how long a dead server keeps its processors from the others
    AuthMode auth = AuthMode::sigv4;
    std::vector<std::string> pools;  // created at start, besides the default pool
    std::optional<AdminKey> admin_key;
    std::vector<AdminKey> stream_reader_keys;  // may read the event streams only (peers' bridges)
    SyncLimits limits;
    std::string log_level = "info";
    // An io thread blocks while a database read answers: microseconds on the embedded store, round trips
    // to PostgreSQL, where more threads keep more reads in flight.
    static constexpr unsigned kDefaultThreads = 2;
    static constexpr unsigned kDefaultThreadsOnPostgres = 16;
    unsigned threads = kDefaultThreads;
    long sync_trigger_timeout_ms = 5000;  // a SyncTrigger webhook's time to answer
    long credential_lifetime_seconds = 3600;
    RetentionOptions retention;
    std::string deployment_id;            // "": the data dir's, else a random one
    std::vector<std::string> processors;  // "trigger", "listener"
    std::vector<PeerOption> peers;        // deployments to replicate from (bridges); imply the trigger
    int max_hops = 1;                     // bridges an event may cross
    std::string data_lake_dir;            // "": <data>/lake
    bool data_lake = true;                // archive every stream record there
    long data_lake_rotate_mb = 64;        // a file is closed at this size
    long data_lake_rotate_minutes = 60;   // or at this age
    // GetId calls that create an identity (anyone may make them). Per client address: this many at once,
    // then this many per minute; for the whole server: this many at once, then this many per second.
    // 0: no limit. Far above what honest apps need (one identity per install).
    long new_identities_per_minute_per_address = 120;
    long new_identities_per_second = 100;
    // GetCredentialsForIdentity calls (anyone who knows an identity id may make them; each new set is a row
    // kept for its lifetime). Per client address and for the whole server, as above; 0: no limit. Far above
    // what honest apps need (a device asks about once an hour).
    long credentials_per_minute_per_address = 300;
    long credentials_per_second = 100;
    // New credential sets one identity may get: this many at once, then this many per hour; beyond it the
    // identity's newest set is answered again. Bounds the sets one identity holds (twice this, with the
    // one-hour lifetime). 0: no limit; else at least 2, so that the newest set, made less than half an hour
    // ago, always has half its lifetime left.
    long new_credentials_per_hour_per_identity = 6;
    // Sign-in settings per pool (identity_pool_settings.hpp): from --identity-pools FILE, and for the
    // default pool from --login-provider, --no-unauthenticated-identities and --developer-provider. A pool
    // not named here has the defaults: guests allowed, no providers.
    IdentityPoolSettingsMap identity_pools;
    // Identities imported from Cognito with a login whose user the source did not give are linked to the
    // first valid token of that provider presented for them (docs/migrating-from-cognito.md).
    bool link_imported_logins = false;
    std::string jwks_ca_file;            // https JWKS URLs: "" trusts the system's CA store
    long jwks_min_refresh_seconds = 60;  // JwksSourceOptions::min_refresh_interval
};

// The rate limits on new identities the options ask for.
RateLimiterOptions new_identity_limits(const ServerOptions& options);
// The rate limits on GetCredentialsForIdentity calls the options ask for.
RateLimiterOptions credentials_limits(const ServerOptions& options);
// The limit on new credential sets per identity (the limiter's per-address buckets are keyed by identity).
RateLimiterOptions new_credentials_per_identity_limits(const ServerOptions& options);

// Sets every limit on anonymous work to 0 (none): for programs that make identities by the thousand, such
// as the tests' in-process servers.
void lift_rate_limits(ServerOptions& options);

// Parses argv. Returns the options, or an exit code: 0 after --help, 2 after a usage error (printed).
struct ParsedOptions {
    std::optional<ServerOptions> options;
    int exit_code = 0;
};
ParsedOptions parse_server_options(int argc, char** argv);

}  // namespace synclatch::server
