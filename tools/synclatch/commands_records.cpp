// The commands on one dataset's records in the local store: put, get, rm, ls, import. They work offline;
// their writes are sent by the next `sync`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

#include "command.hpp"
#include "exit_codes.hpp"
#include "record_json.hpp"
#include "synclatch/synclatch.hpp"

namespace synclatch::cli {

namespace {

// The positional arguments of this group (one command runs per invocation).
struct RecordArgs {
    std::string dataset;
    std::string key;
    std::string value;
    std::string file;
};

std::optional<core::Dataset> open_dataset(Client& client, Output& output, const std::string& name,
                                          const char* what) {
    auto opened = client.open_or_create_dataset(name);
    if (opened.ok()) return std::move(opened).value();
    output.error(what, opened.status());
    return std::nullopt;
}

int run_put(Client& client, Output& output, const RecordArgs& args) {
    auto dataset = open_dataset(client, output, args.dataset, "put");
    if (!dataset) return kFailed;
    if (Status written = dataset->put(args.key, args.value); !written.ok()) {
        output.error("put", written);
        return exit_code_of(written);
    }
    output.result({{"dataset", args.dataset}, {"key", args.key}, {"modified", true}}, "");
    return kOk;
}

int run_get(Client& client, Output& output, const RecordArgs& args) {
    auto dataset = open_dataset(client, output, args.dataset, "get");
    if (!dataset) return kFailed;
    auto record = dataset->get_record(args.key);
    if (!record.ok()) {
        output.error("get", record.status());
        return exit_code_of(record.status());
    }
    if (!*record || !(*record)->value) {
        if (output.json())
            output.result({{"dataset", args.dataset}, {"key", args.key}, {"value", nullptr}}, "");
        else
            std::fprintf(stderr, "synclatch: %s has no key '%s'\n", args.dataset.c_str(), args.key.c_str());
        return kNotFound;
    }
    output.result(to_json(**record), *(*record)->value);
    return kOk;
}

int run_rm(Client& client, Output& output, const RecordArgs& args) {
    auto dataset = open_dataset(client, output, args.dataset, "rm");
    if (!dataset) return kFailed;
    if (Status removed = dataset->remove(args.key); !removed.ok()) {
        output.error("rm", removed);
        return exit_code_of(removed);
    }
    output.result({{"dataset", args.dataset}, {"key", args.key}, {"modified", true}}, "");
    return kOk;
}

int run_ls(Client& client, Output& output, const RecordArgs& args) {
    auto dataset = open_dataset(client, output, args.dataset, "ls");
    if (!dataset) return kFailed;
    auto records = dataset->get_all_records();
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

// import: a JSON object {"key": "value" | null} from a file or "-" (stdin), written in one transaction.
int run_import(Client& client, Output& output, const RecordArgs& args) {
    std::string text;
    if (args.file == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
        std::ifstream in(args.file, std::ios::binary);
        if (!in) {
            output.error("import", {Errc::not_found, "cannot read " + args.file});
            return kFailed;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto document = nlohmann::json::parse(text, nullptr, false);
    if (!document.is_object()) {
        output.error("import",
                     {Errc::invalid_argument, args.file + " is not a JSON object of keys to string values"});
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
    auto dataset = client.open_or_create_dataset(args.dataset);
    Status written = dataset.ok() ? dataset->put_all(values) : dataset.status();
    for (const auto& key : removals) {
        if (written.ok()) written = dataset->remove(key);
    }
    if (!written.ok()) {
        output.error("import", written);
        return exit_code_of(written);
    }
    output.result({{"dataset", args.dataset}, {"written", values.size()}, {"removed", removals.size()}},
                  "imported " + std::to_string(values.size()) + " records, removed " +
                      std::to_string(removals.size()) + " into " + args.dataset +
                      " (local; run sync to send them)");
    return kOk;
}

}  // namespace

std::vector<Command> add_record_commands(CLI::App& app, const GlobalOptions& global) {
    auto args = std::make_shared<RecordArgs>();
    // Binds a run_* function to this group's arguments, on a client opened from the global options.
    auto runs = [&global, args](int (*run)(Client&, Output&, const RecordArgs&)) {
        return on_client(global,
                         [args, run](Client& client, Output& output) { return run(client, output, *args); });
    };

    auto* put = app.add_subcommand("put", "set KEY to VALUE in DATASET (local until the next sync)");
    put->add_option("dataset", args->dataset)->required();
    put->add_option("key", args->key)->required();
    put->add_option("value", args->value)->required();
    auto* get = app.add_subcommand("get", "print the value of KEY (exit 3 when there is none)");
    get->add_option("dataset", args->dataset)->required();
    get->add_option("key", args->key)->required();
    auto* rm = app.add_subcommand("rm", "remove KEY (local until the next sync)");
    rm->add_option("dataset", args->dataset)->required();
    rm->add_option("key", args->key)->required();
    auto* ls = app.add_subcommand("ls", "list the records of DATASET with their sync counts");
    ls->add_option("dataset", args->dataset)->required();
    auto* import =
        app.add_subcommand("import", "write a JSON object of keys to values (null: remove) into DATASET");
    import->add_option("dataset", args->dataset)->required();
    import->add_option("file", args->file, "a JSON file, or - for standard input")->required();

    return {{put, runs(run_put)},
            {get, runs(run_get)},
            {rm, runs(run_rm)},
            {ls, runs(run_ls)},
            {import, runs(run_import)}};
}

}  // namespace synclatch::cli
