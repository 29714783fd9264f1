// synclatch: the command-line client. Reads and writes a local store like an app does (offline), syncs it
// with a synclatch (or Cognito Sync compatible) server, and follows the server's event streams.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "exit_codes.hpp"
#include "lake_replay.hpp"
#include "output.hpp"
#include "stream_follow.hpp"
#include "synclatch/synclatch.hpp"

namespace fs = std::filesystem;
using namespace synclatch;
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

struct Settings {
    std::string endpoint = "http://127.0.0.1:8080";
    std::string pool = "us-east-1:00000000-0000-0000-0000-000000000000";
    std::string data_dir;
    std::string admin_key;  // ACCESS:SECRET
    std::string identity;   // with --admin-key: the identity to act for
    std::string ca_file;
    std::vector<std::string> logins;  // PROVIDER=TOKEN, PROVIDER=@FILE or PROVIDER=- (standard input)
    bool json = false;
};

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

Result<std::unique_ptr<Client>> open_client(const Settings& settings) {
    ClientOptions options;
    options.endpoint = settings.endpoint;
    options.identity_pool_id = settings.pool;
    options.data_dir = settings.data_dir;
    options.ca_file = settings.ca_file;
    // The CLI runs once and exits: no connectivity monitor needed.
    options.connectivity = std::make_shared<platform::ManualConnectivity>(true);
    if (!settings.logins.empty()) {
        if (!settings.admin_key.empty())
            return Status{Errc::invalid_argument, "--login and --admin-key exclude each other"};
        auto logins = read_logins(settings.logins);
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
    if (!settings.admin_key.empty()) {
        const auto colon = settings.admin_key.find(':');
        if (colon == std::string::npos)
            return Status{Errc::invalid_argument, "--admin-key must be ACCESS:SECRET"};
        if (settings.identity.empty())
            return Status{Errc::invalid_argument, "--admin-key needs --identity (the identity to act for)"};
        options.developer = DeveloperCredentials{settings.admin_key.substr(0, colon),
                                                 settings.admin_key.substr(colon + 1), settings.identity};
    }
    std::error_code error;
    fs::create_directories(options.data_dir, error);
    if (error) return Status{Errc::storage, "cannot create " + options.data_dir + ": " + error.message()};
    return Client::open(std::move(options));
}

nlohmann::json to_json(const sync::SyncResult& result, std::string_view dataset) {
    return {{"dataset", dataset},
            {"pulled", result.pulled},
            {"pushed", result.pushed},
            {"conflicts", result.conflicts},
            {"requests", result.requests},
            {"syncCount", result.sync_count},
            {"deletedRemotely", result.deleted_remotely}};
}

nlohmann::json to_json(const core::Record& record) {
    nlohmann::json out{{"key", record.key},
                       {"syncCount", record.sync_count},
                       {"modified", record.modified},
                       {"deviceLastModified", record.device_last_modified}};
    out["value"] = record.value ? nlohmann::json(*record.value) : nlohmann::json(nullptr);
    return out;
}

// The datasets a sync covers: the ones named, else every local one.
Result<std::vector<std::string>> datasets_to_sync(Client& client, const std::vector<std::string>& named) {
    if (!named.empty()) return named;
    auto listed = client.list_datasets();
    if (!listed.ok()) return listed.status();
    std::vector<std::string> names;
    for (const auto& metadata : *listed)
        names.push_back(metadata.name);
    return names;
}

int run_sync(Client& client, Output& output, const std::vector<std::string>& named, bool full) {
    auto names = datasets_to_sync(client, named);
    if (!names.ok()) {
        output.error("sync", names.status());
        return exit_code_of(names.status());
    }
    nlohmann::json results = nlohmann::json::array();
    std::string text;
    int code = kOk;
    for (const auto& name : *names) {
        auto dataset = client.open_or_create_dataset(name);
        std::int64_t to_push = 0;
        if (dataset.ok()) {
            if (auto modified = dataset->modified_records(); modified.ok())
                to_push = static_cast<std::int64_t>(modified->size());
        }
        sync::SyncOptions options;
        options.full_pull = full;
        options.on_progress = [&](const sync::SyncProgress& progress) {
            output.progress(name, progress, to_push);
        };
        auto result = client.synchronize(name, options);
        if (!result.ok()) {
            output.warn("sync " + name, result.status());
            results.push_back({{"dataset", name}, {"error", error_json(result.status())}});
            code = code == kOk ? exit_code_of(result.status()) : code;
            continue;
        }
        results.push_back(to_json(*result, name));
        text +=
            name + ": pulled " + std::to_string(result->pulled) + ", pushed " +
            std::to_string(result->pushed) +
            (result->conflicts > 0 ? ", resolved " + std::to_string(result->conflicts) + " conflicts" : "") +
            " (sync count " + std::to_string(result->sync_count) + ", " + std::to_string(result->requests) +
            (result->requests == 1 ? " request)\n" : " requests)\n");
    }
    if (names->empty()) text = "no local datasets to sync\n";
    if (!text.empty()) text.pop_back();
    output.result(results, text);
    return code;
}

// conflicts: pulls and shows what the app would have to resolve; --resolve settles them.
int run_conflicts(Client& client, Output& output, const std::string& dataset, const std::string& resolve) {
    nlohmann::json found = nlohmann::json::array();
    std::string text;
    sync::SyncOptions options;
    options.on_conflict = [&](std::span<sync::Conflict> conflicts) {
        for (auto& conflict : conflicts) {
            found.push_back({{"key", conflict.key()},
                             {"local", to_json(conflict.local())},
                             {"remote", to_json(conflict.remote())}});
            text += conflict.key() + ": local " + conflict.local().value.value_or("(removed)") +
                    " | remote " + conflict.remote().value.value_or("(removed)") + "\n";
            if (resolve == "local") conflict.resolve_with_local();
            if (resolve == "remote") conflict.resolve_with_remote();
        }
        return !resolve.empty();  // without --resolve: stop, nothing is lost, they come back next time
    };
    auto result = client.synchronize(dataset, options);
    const bool stopped = !result.ok() && result.status().code() == Errc::cancelled;
    if (!result.ok() && !stopped) {
        output.error("conflicts " + dataset, result.status());
        return exit_code_of(result.status());
    }
    if (found.empty())
        text = "no conflicts in " + dataset + "\n";
    else if (!resolve.empty())
        text += "resolved with " + resolve + " and synchronized\n";
    text.pop_back();
    output.result({{"dataset", dataset}, {"conflicts", found}, {"resolved", !resolve.empty()}}, text);
    return !found.empty() && resolve.empty() ? kConflicts : kOk;
}

// import: a JSON object {"key": "value" | null} from a file or "-" (stdin), written in one transaction.
int run_import(Client& client, Output& output, const std::string& dataset_name, const std::string& file) {
    std::string text;
    if (file == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            output.error("import", {Errc::not_found, "cannot read " + file});
            return kFailed;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto document = nlohmann::json::parse(text, nullptr, false);
    if (!document.is_object()) {
        output.error("import",
                     {Errc::invalid_argument, file + " is not a JSON object of keys to string values"});
        return kFailed;
    }
    std::map<std::string, std::string> values;
    std::vector<std::string> removals;
    for (const auto& [key, value] : document.items()) {
        if (value.is_string())
            values[key] = value.get<std::string>();
        else if (value.is_null())
            removals.push_back(key);
        else {
            output.error("import",
                         {Errc::invalid_argument, "the value of '" + key + "' is not a string or null"});
            return kFailed;
        }
    }
    auto dataset = client.open_or_create_dataset(dataset_name);
    Status written = dataset.ok() ? dataset->put_all(values) : dataset.status();
    for (const auto& key : removals) {
        if (written.ok()) written = dataset->remove(key);
    }
    if (!written.ok()) {
        output.error("import", written);
        return exit_code_of(written);
    }
    output.result({{"dataset", dataset_name}, {"written", values.size()}, {"removed", removals.size()}},
                  "imported " + std::to_string(values.size()) + " records, removed " +
                      std::to_string(removals.size()) + " into " + dataset_name +
                      " (local; run sync to send them)");
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    CLI::App app{kDescription, "synclatch"};
    app.require_subcommand(1);
    app.add_option("--endpoint", settings.endpoint, "server URL (http:// or https://)")
        ->capture_default_str();
    app.add_option("--pool", settings.pool, "identity pool id")->capture_default_str();
    app.add_option("--data", settings.data_dir, "folder of the local store (default: the app data folder)");
    app.add_option("--admin-key", settings.admin_key,
                   "ACCESS:SECRET developer credentials (tail; or with --identity)");
    app.add_option("--identity", settings.identity, "with --admin-key: act for this identity id");
    app.add_option("--ca-file", settings.ca_file, "trust only the certificates in this PEM file (https)");
    app.add_option("--login", settings.logins,
                   "sign in: PROVIDER=TOKEN, the token of a login provider the pool trusts (repeatable); "
                   "PROVIDER=@FILE reads it from a file and PROVIDER=- from standard input, out of the "
                   "shell's history");
    app.add_flag("--json", settings.json, "print one JSON document per command (records as NDJSON for tail)");

    std::string dataset, key, value, file, stream, resolve;
    std::vector<std::string> datasets;
    bool full = false, remote = false, no_follow = false;
    std::int64_t after = 0, count = 0;

    auto* put = app.add_subcommand("put", "set KEY to VALUE in DATASET (local until the next sync)");
    put->add_option("dataset", dataset)->required();
    put->add_option("key", key)->required();
    put->add_option("value", value)->required();
    auto* get = app.add_subcommand("get", "print the value of KEY (exit 3 when there is none)");
    get->add_option("dataset", dataset)->required();
    get->add_option("key", key)->required();
    auto* rm = app.add_subcommand("rm", "remove KEY (local until the next sync)");
    rm->add_option("dataset", dataset)->required();
    rm->add_option("key", key)->required();
    auto* ls = app.add_subcommand("ls", "list the records of DATASET with their sync counts");
    ls->add_option("dataset", dataset)->required();
    auto* import =
        app.add_subcommand("import", "write a JSON object of keys to values (null: remove) into DATASET");
    import->add_option("dataset", dataset)->required();
    import->add_option("file", file, "a JSON file, or - for standard input")->required();
    auto* sync_command =
        app.add_subcommand("sync", "synchronize DATASETs (default: every local one) with the server");
    sync_command->add_option("datasets", datasets);
    sync_command->add_flag("--full", full, "pull every record again, not only what changed");
    auto* list = app.add_subcommand("datasets", "list the local datasets");
    list->add_flag("--remote", remote, "ask the server first; its datasets are added locally");
    auto* conflicts =
        app.add_subcommand("conflicts", "pull DATASET and show conflicts (exit 4 when some wait)");
    conflicts->add_option("dataset", dataset)->required();
    conflicts->add_option("--resolve", resolve, "settle them: local (keep mine) or remote (take theirs)")
        ->check(CLI::IsMember({"local", "remote"}));
    auto* identity =
        app.add_subcommand("identity", "print the identity id (obtained from the server the first time)");
    auto* tail = app.add_subcommand("tail", "follow a server event stream (needs --admin-key)");
    tail->add_option("stream", stream, "dataset-changes or events")->required();
    tail->add_option("--after", after, "start after this sequence number");
    tail->add_option("--count", count, "stop after this many records");
    tail->add_flag("--no-follow", no_follow, "print what is there now and stop");
    ReplayOptions replay_options;
    std::string replay_to;
    bool apply = false;
    auto* replay = app.add_subcommand(
        "replay",
        "replay a server's data lake (its NDJSON files) into a processor of a server; a dry run "
        "(read and report only) unless --apply");
    replay->add_option("--from", replay_options.from, "the lake's folder (the server's DATA/lake)")
        ->required();
    replay->add_option("--prefix", replay_options.prefix,
                       "only files whose path below --from starts with this (e.g. 2026-11-30/)");
    replay->add_option("--to", replay_to, "the server to replay into (with --apply; needs --admin-key)");
    replay
        ->add_option("--processor", replay_options.processor,
                     "listener: things datasets from thing-* events; bridge: dataset writes replicated")
        ->check(CLI::IsMember({"listener", "bridge"}))
        ->capture_default_str();
    bool dry_run = false;
    auto* dry_run_flag = replay->add_flag("--dry-run", dry_run, "only read and report (the default)");
    replay->add_flag("--apply", apply, "send the events")->excludes(dry_run_flag);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kOk : kUsage;
    }
    Output output(settings.json);

    if (tail->parsed()) {
        auto endpoint = sync::parse_endpoint(settings.endpoint);
        const auto colon = settings.admin_key.find(':');
        if (!endpoint.ok() || colon == std::string::npos) {
            output.error("tail", endpoint.ok()
                                     ? Status{Errc::invalid_argument, "tail needs --admin-key ACCESS:SECRET"}
                                     : endpoint.status());
            return kUsage;
        }
        if (stream.empty() ||
            stream.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
            output.error("tail", {Errc::invalid_argument,
                                  "a stream name is lower-case letters, digits, '-', '_', '.'"});
            return kUsage;
        }
        FollowOptions options{*endpoint,
                              {settings.admin_key.substr(0, colon), settings.admin_key.substr(colon + 1), ""},
                              stream,
                              after,
                              count > 0 ? std::optional<std::int64_t>(count) : std::nullopt,
                              !no_follow};
        Status followed = follow_stream(options, output);
        if (!followed.ok()) output.error("tail " + stream, followed);
        return exit_code_of(followed);
    }

    if (replay->parsed()) {
        replay_options.dry_run = !apply;
        if (!replay_to.empty()) {
            auto to = sync::parse_endpoint(replay_to);
            if (!to.ok()) {
                output.error("replay --to", to.status());
                return kUsage;
            }
            replay_options.to = *to;
        }
        if (const auto colon = settings.admin_key.find(':'); colon != std::string::npos)
            replay_options.credentials = sync::sigv4::Credentials{settings.admin_key.substr(0, colon),
                                                                  settings.admin_key.substr(colon + 1), ""};
        if (apply && (!replay_options.to || !replay_options.credentials)) {
            output.error("replay",
                         {Errc::invalid_argument, "--apply needs --to URL and --admin-key ACCESS:SECRET"});
            return kUsage;
        }
        auto summary = replay_lake(replay_options, output);
        if (!summary.ok()) {
            output.error("replay", summary.status());
            return exit_code_of(summary.status());
        }
        nlohmann::json document = {{"dryRun", replay_options.dry_run},
                                   {"files", summary->files},
                                   {"lines", summary->lines},
                                   {"events", summary->events},
                                   {"malformed", summary->malformed},
                                   {"byType", summary->by_type},
                                   {"processor", replay_options.processor}};
        std::string text = std::string(replay_options.dry_run ? "dry run: " : "replayed: ") +
                           std::to_string(summary->events) + " events (" + std::to_string(summary->lines) +
                           " lines in " + std::to_string(summary->files) + " files";
        if (summary->malformed > 0)
            text += ", " + std::to_string(summary->malformed) + " malformed lines skipped";
        text += ")";
        for (const auto& [type, n] : summary->by_type)
            text += "\n  " + type + ": " + std::to_string(n);
        if (replay_options.dry_run) {
            text +=
                "\nnothing was sent; pass --apply --to URL to replay into the " + replay_options.processor;
        } else {
            document["outcomes"] = summary->outcomes;
            text += "\n" + replay_options.processor + " at " + replay_options.to->url() + ":";
            for (const auto& [outcome, n] : summary->outcomes)
                text += " " + outcome + " " + std::to_string(n);
        }
        output.result(document, text);
        return kOk;
    }

    if (settings.data_dir.empty()) settings.data_dir = default_data_dir();
    auto client = open_client(settings);
    if (!client.ok()) {
        output.error("open", client.status());
        return client.status().code() == Errc::invalid_argument ? kUsage : exit_code_of(client.status());
    }
    Client& c = **client;
    auto dataset_or_fail = [&](const char* what) -> std::optional<core::Dataset> {
        auto opened = c.open_or_create_dataset(dataset);
        if (opened.ok()) return std::move(opened).value();
        output.error(what, opened.status());
        return std::nullopt;
    };

    if (put->parsed() || rm->parsed()) {
        auto opened = dataset_or_fail(put->parsed() ? "put" : "rm");
        if (!opened) return kFailed;
        Status written = put->parsed() ? opened->put(key, value) : opened->remove(key);
        if (!written.ok()) {
            output.error(put->parsed() ? "put" : "rm", written);
            return exit_code_of(written);
        }
        output.result({{"dataset", dataset}, {"key", key}, {"modified", true}}, "");
        return kOk;
    }
    if (get->parsed()) {
        auto opened = dataset_or_fail("get");
        if (!opened) return kFailed;
        auto record = opened->get_record(key);
        if (!record.ok()) {
            output.error("get", record.status());
            return exit_code_of(record.status());
        }
        if (!*record || !(*record)->value) {
            if (settings.json)
                output.result({{"dataset", dataset}, {"key", key}, {"value", nullptr}}, "");
            else
                std::fprintf(stderr, "synclatch: %s has no key '%s'\n", dataset.c_str(), key.c_str());
            return kNotFound;
        }
        output.result(to_json(**record), *(*record)->value);
        return kOk;
    }
    if (ls->parsed()) {
        auto opened = dataset_or_fail("ls");
        if (!opened) return kFailed;
        auto records = opened->get_all_records();
        if (!records.ok()) {
            output.error("ls", records.status());
            return exit_code_of(records.status());
        }
        nlohmann::json all = nlohmann::json::array();
        std::string text;
        for (const auto& record : *records) {
            all.push_back(to_json(record));
            text += record.key + "\t" + record.value.value_or("(removed)") + "\tsync count " +
                    std::to_string(record.sync_count) + (record.modified ? "\tmodified" : "") + "\n";
        }
        if (!text.empty()) text.pop_back();
        output.result(all, text);
        return kOk;
    }
    if (import->parsed()) return run_import(c, output, dataset, file);
    if (sync_command->parsed()) return run_sync(c, output, datasets, full);
    if (conflicts->parsed()) return run_conflicts(c, output, dataset, resolve);
    if (list->parsed()) {
        if (remote) {
            if (auto refreshed = c.refresh_dataset_metadata(); !refreshed.ok()) {
                output.error("datasets --remote", refreshed.status());
                return exit_code_of(refreshed.status());
            }
        }
        auto listed = c.list_datasets();
        if (!listed.ok()) {
            output.error("datasets", listed.status());
            return exit_code_of(listed.status());
        }
        nlohmann::json all = nlohmann::json::array();
        std::string text;
        for (const auto& metadata : *listed) {
            all.push_back({{"name", metadata.name},
                           {"records", metadata.record_count},
                           {"bytes", metadata.storage_bytes},
                           {"lastSyncCount", metadata.last_sync_count},
                           {"lastSyncResult", metadata.last_sync_result}});
            text += metadata.name + "\t" + std::to_string(metadata.record_count) + " records\tsync count " +
                    std::to_string(metadata.last_sync_count) + "\n";
        }
        if (!text.empty()) text.pop_back();
        output.result(all, text.empty() ? "no local datasets" : text);
        return kOk;
    }
    if (identity->parsed()) {
        auto id = c.identity_id();
        if (!id.ok()) {
            output.error("identity", id.status());
            return exit_code_of(id.status());
        }
        // Signed in: the credentials are fetched, so the server has judged the logins (and merged a guest).
        nlohmann::json document = {{"identityId", *id}, {"deviceId", c.device_id()}, {"signedIn", false}};
        std::string text = *id;
        if (c.signed_in()) {
            auto signed_in = c.authenticate();
            if (!signed_in.ok()) {
                output.error("identity", signed_in.status());
                return exit_code_of(signed_in.status());
            }
            nlohmann::json providers = nlohmann::json::array();
            for (const auto& entry : settings.logins)
                providers.push_back(entry.substr(0, entry.find('=')));
            document = {{"identityId", *signed_in},
                        {"deviceId", c.device_id()},
                        {"signedIn", true},
                        {"logins", providers}};
            text = *signed_in + " (signed in: " + providers.dump() + ")";
        }
        output.result(document, text);
        return kOk;
    }
    return kUsage;
}
