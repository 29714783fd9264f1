// The commands on one dataset's records in the local store: put, get, rm, ls, import. They work offline;
// their writes are sent by the next `sync`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "command.hpp"
#include "exit_codes.hpp"
#include "import_document.hpp"
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

// Every entry is checked before anything is written (read_import_document), so bad input stores nothing.
// The values are then written in one transaction (put_all); core::Dataset has no call that also removes
// in it, so each removal is a transaction of its own after it. Only the store failing (a full disk, ...)
// can stop the import between them, and the error says how far it got; running it again finishes it.
int run_import(Client& client, Output& output, const RecordArgs& args) {
    const std::string source = args.file == "-" ? "standard input" : args.file;
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
    auto document = read_import_document(text, source);
    if (!document.ok()) {
        output.error("import", Status{document.status().code(),
                                      document.status().message() + "; nothing was imported"});
        return kFailed;
    }
    auto dataset = client.open_or_create_dataset(args.dataset);
    Status written = dataset.ok() ? dataset->put_all(document->values) : dataset.status();
    if (!written.ok()) {
        output.error("import", written);
        return exit_code_of(written);
    }
    std::size_t removed = 0;
    for (const auto& key : document->removals) {
        if (Status s = dataset->remove(key); !s.ok()) {
            output.error("import", Status{s.code(), s.message() + "; stored before it: the " +
                                                        std::to_string(document->values.size()) +
                                                        " values and " + std::to_string(removed) + " of " +
                                                        std::to_string(document->removals.size()) +
                                                        " removals (run the import again to finish)"});
            return exit_code_of(s);
        }
        ++removed;
    }
    output.result({{"dataset", args.dataset},
                   {"written", document->values.size()},
                   {"removed", document->removals.size()}},
                  "imported " + std::to_string(document->values.size()) + " records, removed " +
                      std::to_string(document->removals.size()) + " into " + args.dataset +
                      " (local; run sync to send them)");
    return kOk;
}

constexpr const char* kImportFooter =
    "Every entry is checked before anything is written: for bad JSON, a value that is not a string or\n"
    "null, or a key or value the store refuses, the error names the line and nothing is imported. The\n"
    "values are then written in one transaction, and each removal in one of its own.";

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
    import->footer(kImportFooter);

    return {{put, runs(run_put)},
            {get, runs(run_get)},
            {rm, runs(run_rm)},
            {ls, runs(run_ls)},
            {import, runs(run_import)}};
}

}  // namespace synclatch::cli
