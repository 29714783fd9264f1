// What main() and the command files share: the options given before the command's name, and a command as
// main() dispatches it. Each commands_*.cpp adds one group of subcommands, in the order --help lists them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "output.hpp"

namespace CLI {
class App;
}

namespace synclatch {
class Client;
}

namespace synclatch::cli {

// The options every command shares. Bound to CLI11 in main(); read by the commands after parsing.
struct GlobalOptions {
    std::string endpoint = "http://127.0.0.1:8080";
    std::string pool = "us-east-1:00000000-0000-0000-0000-000000000000";
    std::string data_dir;             // empty: the app data folder
    std::string admin_key;            // ACCESS:SECRET (parse_admin_key)
    std::string identity;             // with --admin-key: the identity to act for
    std::string ca_file;              // empty: the system's CA store
    std::vector<std::string> logins;  // PROVIDER=TOKEN, PROVIDER=@FILE or PROVIDER=- (standard input)
    bool json = false;
};

// A subcommand: its CLI11 node (parsed() says it was given) and what runs it; returns the exit code.
struct Command {
    CLI::App* subcommand;
    std::function<int(Output&)> run;
};

// A command of the local store: opens the client (from the global options) and hands it over, or reports
// why it could not be opened.
std::function<int(Output&)> on_client(const GlobalOptions& global,
                                      std::function<int(Client&, Output&)> command);

// Each adds its subcommands to app and returns them. The commands keep a reference to `global`, which must
// outlive them; their own options live inside the returned runs.
// put get rm ls import
std::vector<Command> add_record_commands(CLI::App& app, const GlobalOptions& global);
// sync datasets conflicts identity
std::vector<Command> add_sync_commands(CLI::App& app, const GlobalOptions& global);
// tail replay
std::vector<Command> add_admin_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace synclatch::cli
