// synclatch: the command-line client. Reads and writes a local store like an app does (offline), syncs it
// with a synclatch (or Cognito Sync compatible) server, and follows the server's event streams.
// This file holds the options every command shares and picks the command to run; the commands themselves
// are in commands_records.cpp, commands_sync.cpp and commands_admin.cpp.
#include <CLI/CLI.hpp>

#include "command.hpp"
#include "exit_codes.hpp"

using namespace synclatch::cli;

namespace {

constexpr const char* kDescription = R"(synclatch: the command-line client of synclatch.

Keeps a local store of datasets (key/value records) in --data, works offline, and synchronizes it with a
synclatch-server (or any Cognito Sync compatible endpoint). Writes (put, rm, import) are local until the
next `sync`. Examples:
  synclatch --endpoint http://127.0.0.1:8080 --pool us-east-1:00000000-0000-0000-0000-000000000000 put things k v
  synclatch ... sync                      # every local dataset
  synclatch ... --json get things k
  synclatch ... --login accounts.example.com=@id-token.txt sync   # signed in: the token from a file
  synclatch ... --admin-key ADMIN:secret tail dataset-changes
  synclatch --admin-key ADMIN:secret replay --from DATA/lake --to http://127.0.0.1:8081 --apply

Exit codes: 0 ok; 1 error; 2 bad command line; 3 get: no such key; 4 conflicts waiting;
5 server unreachable or too slow (retry later); 6 credentials refused.)";

void add_global_options(CLI::App& app, GlobalOptions& global) {
    app.add_option("--endpoint", global.endpoint, "server URL (http:// or https://)")->capture_default_str();
    app.add_option("--pool", global.pool, "identity pool id")->capture_default_str();
    app.add_option("--data", global.data_dir, "folder of the local store (default: the app data folder)");
    app.add_option("--admin-key", global.admin_key,
                   "ACCESS:SECRET developer credentials (tail; or with --identity)");
    app.add_option("--identity", global.identity, "with --admin-key: act for this identity id");
    app.add_option("--ca-file", global.ca_file, "trust only the certificates in this PEM file (https)");
    app.add_option("--login", global.logins,
                   "sign in: PROVIDER=TOKEN, the token of a login provider the pool trusts (repeatable); "
                   "PROVIDER=@FILE reads it from a file and PROVIDER=- from standard input, out of the "
                   "shell's history");
    app.add_flag("--json", global.json, "print one JSON document per command (records as NDJSON for tail)");
}

}  // namespace

int main(int argc, char** argv) {
    GlobalOptions global;
    CLI::App app{kDescription, "synclatch"};
    app.require_subcommand(1);
    add_global_options(app, global);
    std::vector<Command> commands;
    for (auto add : {add_record_commands, add_sync_commands, add_admin_commands}) {
        auto added = add(app, global);
        commands.insert(commands.end(), added.begin(), added.end());
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kOk : kUsage;
    }
    Output output(global.json);
    for (const auto& command : commands) {
        if (command.subcommand->parsed()) return command.run(output);
    }
    return kUsage;
}
