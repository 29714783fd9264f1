// The commands that talk to the server for the local store: sync, datasets, conflicts, identity.
#include <CLI/CLI.hpp>
#include <memory>
#include <span>

#include "command.hpp"
#include "exit_codes.hpp"
#include "record_json.hpp"
#include "synclatch/synclatch.hpp"

namespace synclatch::cli {

namespace {

struct SyncArgs {
    std::vector<std::string> datasets;  // sync: none named, every local one
    std::string dataset;                // conflicts
    std::string resolve;                // conflicts: "", local or remote
    bool full = false;
    bool remote = false;
};

nlohmann::json sync_result_json(const sync::SyncResult& result, std::string_view dataset) {
    return {{"dataset", dataset},
            {"pulled", result.pulled},
            {"pushed", result.pushed},
            {"conflicts", result.conflicts},
            {"requests", result.requests},
            {"syncCount", result.sync_count},
            {"deletedRemotely", result.deleted_remotely}};
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

int run_sync(Client& client, Output& output, const SyncArgs& args) {
    auto names = datasets_to_sync(client, args.datasets);
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
        options.full_pull = args.full;
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
        results.push_back(sync_result_json(*result, name));
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

int run_datasets(Client& client, Output& output, const SyncArgs& args) {
    if (args.remote) {
        if (auto refreshed = client.refresh_dataset_metadata(); !refreshed.ok()) {
            output.error("datasets --remote", refreshed.status());
            return exit_code_of(refreshed.status());
        }
    }
    auto listed = client.list_datasets();
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

// Pulls and shows what the app would have to resolve; --resolve settles them.
int run_conflicts(Client& client, Output& output, const SyncArgs& args) {
    const std::string& dataset = args.dataset;
    const std::string& resolve = args.resolve;
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

// logins: the --login values, to name the providers of a signed-in identity.
int run_identity(Client& client, Output& output, const std::vector<std::string>& logins) {
    auto id = client.identity_id();
    if (!id.ok()) {
        output.error("identity", id.status());
        return exit_code_of(id.status());
    }
    // Signed in: the credentials are fetched, so the server has judged the logins (and merged a guest).
    nlohmann::json document = {{"identityId", *id}, {"deviceId", client.device_id()}, {"signedIn", false}};
    std::string text = *id;
    if (client.signed_in()) {
        auto signed_in = client.authenticate();
        if (!signed_in.ok()) {
            output.error("identity", signed_in.status());
            return exit_code_of(signed_in.status());
        }
        nlohmann::json providers = nlohmann::json::array();
        for (const auto& entry : logins)
            providers.push_back(entry.substr(0, entry.find('=')));
        document = {{"identityId", *signed_in},
                    {"deviceId", client.device_id()},
                    {"signedIn", true},
                    {"logins", providers}};
        text = *signed_in + " (signed in: " + providers.dump() + ")";
    }
    output.result(document, text);
    return kOk;
}

}  // namespace

std::vector<Command> add_sync_commands(CLI::App& app, const GlobalOptions& global) {
    auto args = std::make_shared<SyncArgs>();
    // Binds a run_* function to this group's arguments, on a client opened from the global options.
    auto runs = [&global, args](int (*run)(Client&, Output&, const SyncArgs&)) {
        return on_client(global,
                         [args, run](Client& client, Output& output) { return run(client, output, *args); });
    };

    auto* sync_command =
        app.add_subcommand("sync", "synchronize DATASETs (default: every local one) with the server");
    sync_command->add_option("datasets", args->datasets);
    sync_command->add_flag("--full", args->full, "pull every record again, not only what changed");
    auto* datasets = app.add_subcommand("datasets", "list the local datasets");
    datasets->add_flag("--remote", args->remote, "ask the server first; its datasets are added locally");
    auto* conflicts =
        app.add_subcommand("conflicts", "pull DATASET and show conflicts (exit 4 when some wait)");
    conflicts->add_option("dataset", args->dataset)->required();
    conflicts
        ->add_option("--resolve", args->resolve, "settle them: local (keep mine) or remote (take theirs)")
        ->check(CLI::IsMember({"local", "remote"}));
    auto* identity =
        app.add_subcommand("identity", "print the identity id (obtained from the server the first time)");

    return {{sync_command, runs(run_sync)},
            {datasets, runs(run_datasets)},
            {conflicts, runs(run_conflicts)},
            {identity, on_client(global, [&global](Client& client, Output& output) {
                 return run_identity(client, output, global.logins);
             })}};
}

}  // namespace synclatch::cli
