// The Client the local-store commands work on, opened from the global options: the data folder, and who
// the CLI acts as (a guest identity, a signed-in user with --login, or --identity with --admin-key).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "admin_key.hpp"
#include "command.hpp"
#include "exit_codes.hpp"
#include "synclatch/synclatch.hpp"

namespace synclatch::cli {

namespace fs = std::filesystem;

namespace {

// The --login values as a Logins map. A token is given inline, read from a file (@FILE) or from standard
// input (-), so that it need not sit in the shell's history; surrounding whitespace is dropped.
Result<sync::Logins> read_logins(const std::vector<std::string>& values) {
    sync::Logins logins;
    bool stdin_used = false;
    for (const auto& value : values) {
        const auto equals = value.find('=');
        if (equals == 0 || equals == std::string::npos || equals + 1 == value.size())
            return Status{Errc::invalid_argument,
                          "--login must be PROVIDER=TOKEN, PROVIDER=@FILE or PROVIDER=-"};
        const std::string provider = value.substr(0, equals);
        std::string token = value.substr(equals + 1);
        if (token == "-") {
            if (stdin_used) return Status{Errc::invalid_argument, "only one --login can read standard input"};
            stdin_used = true;
            token.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        } else if (token.starts_with('@')) {
            std::ifstream in(token.substr(1), std::ios::binary);
            if (!in)
                return Status{Errc::invalid_argument,
                              "--login " + provider + ": cannot read " + token.substr(1)};
            token.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        const auto first = token.find_first_not_of(" \t\r\n");
        const auto last = token.find_last_not_of(" \t\r\n");
        token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
        if (token.empty())
            return Status{Errc::invalid_argument, "--login " + provider + ": the token is empty"};
        if (!logins.emplace(provider, std::move(token)).second)
            return Status{Errc::invalid_argument, "--login " + provider + " is given twice"};
    }
    return logins;
}

std::string default_data_dir() {
    auto dir = platform::app_data_dir("synclatch-cli");
    return dir.ok() ? *dir : std::string("./synclatch-cli-data");
}

Result<std::unique_ptr<Client>> open_client(const GlobalOptions& global) {
    ClientOptions options;
    options.endpoint = global.endpoint;
    options.identity_pool_id = global.pool;
    options.data_dir = global.data_dir.empty() ? default_data_dir() : global.data_dir;
    options.ca_file = global.ca_file;
    // The CLI runs once and exits: no connectivity monitor needed.
    options.connectivity = std::make_shared<platform::ManualConnectivity>(true);
    if (!global.logins.empty()) {
        if (!global.admin_key.empty())
            return Status{Errc::invalid_argument, "--login and --admin-key exclude each other"};
        auto logins = read_logins(global.logins);
        if (!logins.ok()) return logins.status();
        options.logins = [logins = std::move(logins).value()]() -> Result<sync::Logins> { return logins; };
        // A guest identity kept from earlier runs may be merged into the user's: say what became of it.
        options.on_identity_changed = [](const std::string& before, const std::string& after) {
            std::fprintf(
                stderr,
                "synclatch: signed in: identity %s was merged into %s; its datasets are kept locally "
                "as <name>.%s\n",
                before.c_str(), after.c_str(), before.c_str());
        };
    }
    auto admin_key = parse_admin_key(global.admin_key);
    if (!admin_key.ok()) return admin_key.status();
    if (*admin_key) {
        if (global.identity.empty())
            return Status{Errc::invalid_argument, "--admin-key needs --identity (the identity to act for)"};
        options.developer =
            DeveloperCredentials{(*admin_key)->access_key_id, (*admin_key)->secret_key, global.identity};
    }
    std::error_code error;
    fs::create_directories(options.data_dir, error);
    if (error) return Status{Errc::storage, "cannot create " + options.data_dir + ": " + error.message()};
    return Client::open(std::move(options));
}

}  // namespace

std::function<int(Output&)> on_client(const GlobalOptions& global,
                                      std::function<int(Client&, Output&)> command) {
    return [&global, command = std::move(command)](Output& output) {
        auto client = open_client(global);
        if (!client.ok()) {
            output.error("open", client.status());
            return client.status().code() == Errc::invalid_argument ? kUsage : exit_code_of(client.status());
        }
        return command(**client, output);
    };
}

}  // namespace synclatch::cli
