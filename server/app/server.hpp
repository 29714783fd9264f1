// Server: synclatch-server assembled from its options, the one composition root: the store and its pools,
// sign-in and auth, the APIs, the HTTP server with push and stream subscriptions, the processors, bulk
// publish and stream retention. main() runs one; the tests run the same one, in process through handler()
// or listening on a port, so the server is wired in one place only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "server_options.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::server {

class OpenIdTokens;
class RequestHandler;
class Storage;
class SyncTriggers;

// What the process gives the server besides its options; the defaults are main()'s.
struct ServerEnvironment {
    std::function<EpochMillis()> clock;  // empty: the system clock
    bool durable = true;                 // SqliteStorageOptions::durable: off only for tests
    // GetOpenIdToken's signer; nullptr: the key in the data directory (read, or made on the first start).
    // Tests share one: an RSA key generation per server costs a third of a second.
    const OpenIdTokens* open_id_tokens = nullptr;
    bool stop_on_signals = false;  // run() stops gracefully on SIGINT and SIGTERM (main() sets it)
};

// Thread-safety: stop() may be called from any thread; everything else from one thread at a time.
// handler() may be called from several threads at once (RequestHandler::handle is thread-safe).
class Server {
  public:
    // Opens the store in options.data_dir (made when missing), creates the pools and sets up every part;
    // the processors start, nothing listens yet. The error says what could not be set up.
    static Result<std::unique_ptr<Server>> open(ServerOptions options, ServerEnvironment environment = {});
    // Stops the processors and bulk publish between batches, then closes the store.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens on options.http's address; returns the endpoint (its real port for port 0).
    Result<boost::asio::ip::tcp::endpoint> listen();
    // Serves on the calling thread and options.threads - 1 others, with stream retention once a minute,
    // until stop() (or a signal, see ServerEnvironment); returns once the requests in flight are answered.
    void run();
    // Stops accepting and lets run() return. Any thread; once is enough.
    void stop();

    // The one entry point per HTTP request, for tests that call the server without sockets.
    const RequestHandler& handler() const;
    Storage& store();
    // In-process SyncTrigger hooks ("synclatch:NAME"); register them before requests arrive.
    SyncTriggers& sync_triggers();
    const ServerOptions& options() const;
    // Where the data lives, for the start-up line: "data: DIR" or "store: postgresql://USER@HOST:PORT/DB"
    // (never a password).
    std::string store_description() const;
    // What runs besides the APIs, for the start-up line: "trigger, bridge from URL, datalake" or "none".
    std::string processors_running() const;

  private:
    struct Parts;
    explicit Server(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

}  // namespace synclatch::server
