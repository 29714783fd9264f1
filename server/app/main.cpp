// synclatch-server: opens the store in --data, creates the pools, listens, and serves until SIGINT or
// SIGTERM; then it stops accepting, finishes requests in flight and closes the store. Subcommands instead:
// `copy` moves an embedded store into PostgreSQL (copy_command.hpp); `import-cognito` copies a Cognito Sync
// identity pool into the store (import_cognito_command.hpp); `rotate-signing-key` makes a new OpenID signing
// key (rotate_signing_key_command.hpp).
#include <cstdio>
#include <string_view>

#include "copy_command.hpp"
#include "import_cognito_command.hpp"
#include "rotate_signing_key_command.hpp"
#include "server.hpp"
#include "server_options.hpp"
#include "store/storage.hpp"
#include "telemetry/log.hpp"

using namespace synclatch::server;

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "copy") return run_copy_command(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "import-cognito")
        return run_import_cognito_command(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "rotate-signing-key")
        return run_rotate_signing_key_command(argc - 1, argv + 1);
    auto parsed = parse_server_options(argc, argv);
    if (!parsed.options) return parsed.exit_code;
    set_log_level(parsed.options->log_level);

    ServerEnvironment environment;
    environment.stop_on_signals = true;
    auto server = Server::open(std::move(*parsed.options), environment);
    if (!server.ok()) {
        log(LogLevel::error, server.status().message());
        return 1;
    }
    auto endpoint = (*server)->listen();
    if (!endpoint.ok()) {
        log(LogLevel::error, "cannot start: " + endpoint.status().to_string());
        return 1;
    }
    // Tests and scripts read this line to learn the port (with --listen HOST:0); SIGTERM is caught since
    // Server::open, so a stop right after it is graceful.
    const ServerOptions& options = (*server)->options();
    std::printf("synclatch-server listening on http://%s:%u (%s, auth: %s, deployment: %s, processors: %s)\n",
                endpoint->address().to_string().c_str(), endpoint->port(),
                (*server)->store_description().c_str(), options.auth == AuthMode::none ? "none" : "sigv4",
                (*server)->store().deployment_id().c_str(), (*server)->processors_running().c_str());
    std::fflush(stdout);

    (*server)->run();
    server->reset();  // processors and bulk publish stop, then the store closes
    log(LogLevel::info, "stopped");
    return 0;
}
