// import_bench: how fast `synclatch-server import-cognito` copies a pool from a loopback source, and what
// bounds it. A source synclatch-server (durable, SigV4 with a developer key, as AWS would answer) is filled
// with identities, datasets and records; then, in one run, each phase is the real subcommand:
//   import      the first copy, every dataset read whole and written in one durable transaction
//               (--no-verify)
//   catch-up    the same again with nothing changed at the source: one ListDatasets per identity
//   verify      --verify-only after the copy: the same reads of the source as the import, each dataset
//               also read from the target and compared, and nothing written: the import's reads alone
// The source and the import share the machine, so the source's cost is part of every figure alike.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace fs = std::filesystem;
using namespace synclatch;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr const char* kUsage =
    R"(usage: import_bench [--identities N] [--datasets D] [--records R] [--value-bytes B] [--dir PATH]

Fills a source synclatch-server with N identities of D datasets of R records each, then times
`synclatch-server import-cognito` copying it (phases: import, catch-up, verify; see the top of
bench/import_bench.cpp). Reports records per second, requests per second and the time per request.

  --identities N    identities (default 1000)
  --datasets D      datasets per identity (default 2)
  --records R       records per dataset (default 50, at most 1024)
  --value-bytes B   bytes per record value (default 100)
  --dir PATH        the data dirs go here (default: a new temp folder, removed after)
  --help            show this text
)";

constexpr const char* kAccessKey = "AKIDIMPORTBENCH";
constexpr const char* kSecretKey = "import-bench-secret";

struct Options {
    int identities = 1000;
    int datasets = 2;
    int records = 50;
    int value_bytes = 100;
    std::string dir;
};

int positive(const char* text, int most) {
    const int value = std::atoi(text);
    if (value < 1 || value > most) {
        std::fprintf(stderr, "%s: expected 1 to %d\n%s", text, most, kUsage);
        std::exit(2);
    }
    return value;
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help") {
            std::printf("%s", kUsage);
            std::exit(0);
        } else if (arg == "--identities" && has_value) {
            options.identities = positive(argv[++i], 1'000'000);
        } else if (arg == "--datasets" && has_value) {
            options.datasets = positive(argv[++i], 20);
        } else if (arg == "--records" && has_value) {
            options.records = positive(argv[++i], 1024);
        } else if (arg == "--value-bytes" && has_value) {
            options.value_bytes = positive(argv[++i], 4096);
        } else if (arg == "--dir" && has_value) {
            options.dir = argv[++i];
        } else {
            std::fprintf(stderr, "unknown or incomplete argument %s\n%s", arg.c_str(), kUsage);
            std::exit(2);
        }
    }
    if (static_cast<long long>(options.records) * (options.value_bytes + 8) > 1024 * 1024) {
        std::fprintf(stderr, "--records x --value-bytes passes a dataset's 1 MB quota\n");
        std::exit(2);
    }
    return options;
}

void fill(unsigned short port, const Options& options) {
    test::HttpClient client(port);
    const std::string value(static_cast<std::size_t>(options.value_bytes), 'v');
    const auto started = Clock::now();
    for (int i = 0; i < options.identities; ++i) {
        auto made = client.identity("GetId", {{"IdentityPoolId", test::kTestPool}});
        if (made.status != 200) throw std::runtime_error("GetId: " + made.body);
        const std::string identity = made.json().at("IdentityId");
        for (int d = 0; d < options.datasets; ++d) {
            const std::string path = test::dataset_path(identity, "dataset-" + std::to_string(d));
            auto listed = client.send("GET", path + "/records");
            json body = {{"SyncSessionToken", listed.json().at("SyncSessionToken")},
                         {"RecordPatches", json::array()}};
            for (int r = 0; r < options.records; ++r) {
                body["RecordPatches"].push_back({{"Op", "replace"},
                                                 {"Key", "key-" + std::to_string(r)},
                                                 {"Value", value},
                                                 {"SyncCount", 0}});
            }
            auto written = client.send("POST", path, body.dump());
            if (written.status != 200) throw std::runtime_error("UpdateRecords: " + written.body);
        }
        if ((i + 1) % 200 == 0 || i + 1 == options.identities) {
            std::fprintf(stderr, "\rfilling the source: %d of %d identities", i + 1, options.identities);
        }
    }
    std::fprintf(stderr, " (%.1f s)\n", std::chrono::duration<double>(Clock::now() - started).count());
}

struct PhaseResult {
    double seconds = 0;
    long long requests = 0;
};

// Runs the subcommand; its "source requests: N" line gives the requests it sent.
PhaseResult run_phase(const char* name, unsigned short port, const fs::path& target,
                      std::vector<std::string> extra) {
    std::vector<std::string> args = {"/usr/bin/env",
                                     std::string("AWS_ACCESS_KEY_ID=") + kAccessKey,
                                     std::string("AWS_SECRET_ACCESS_KEY=") + kSecretKey,
                                     SYNCLATCH_SERVER_BINARY,
                                     "import-cognito",
                                     "--pool",
                                     test::kTestPool,
                                     "--data",
                                     target.string(),
                                     "--endpoint",
                                     "http://127.0.0.1:" + std::to_string(port),
                                     "--requests-per-second",
                                     "10000",
                                     "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto started = Clock::now();
    const auto output = test::run_process(args, std::chrono::hours(2));
    PhaseResult result;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (output.exit_code != 0) {
        throw std::runtime_error(std::string(name) + ": exit " + std::to_string(output.exit_code) + "\n" +
                                 output.out + output.err);
    }
    std::smatch found;
    if (std::regex_search(output.out, found, std::regex(R"(source requests: (\d+))")))
        result.requests = std::stoll(found[1]);
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    const bool own_dir = options.dir.empty();
    const fs::path dir =
        own_dir ? fs::temp_directory_path() / ("synclatch-import-bench-" + std::to_string(::getpid()))
                : fs::path(options.dir);
    fs::create_directories(dir);
    int exit_code = 0;
    try {
        const long long records =
            static_cast<long long>(options.identities) * options.datasets * options.records;
        std::printf("import_bench: %d identities x %d datasets x %d records of %d bytes = %lld records\n",
                    options.identities, options.datasets, options.records, options.value_bytes, records);
        {
            test::ServerProcess source(dir / "source",
                                       {"--auth", "none", "--new-identities-per-minute-per-address", "0",
                                        "--new-identities-per-second", "0"});
            fill(source.port(), options);
            source.terminate();
        }
        test::ServerProcess source(dir / "source",
                                   {"--admin-key", std::string(kAccessKey) + ":" + kSecretKey});
        struct Phase {
            const char* name;
            const char* flag;
            bool reads_records;  // it reads every record (else its records/s is not shown)
        };
        const Phase phases[] = {
            {"import (--no-verify)", "--no-verify", true},
            {"catch-up, nothing changed", "--no-verify", false},
            {"verify (--verify-only)", "--verify-only", true},
        };
        std::printf("%-42s %10s %14s %12s %12s\n", "phase", "seconds", "records/s", "requests/s",
                    "ms/request");
        for (const auto& phase : phases) {
            const auto result = run_phase(phase.name, source.port(), dir / "target", {phase.flag});
            const double requests = static_cast<double>(result.requests);
            const std::string per_second =
                phase.reads_records
                    ? std::to_string(std::llround(static_cast<double>(records) / result.seconds))
                    : "-";
            std::printf("%-42s %10.2f %14s %12.0f %12.2f\n", phase.name, result.seconds, per_second.c_str(),
                        requests / result.seconds, 1000.0 * result.seconds / std::max(1.0, requests));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "import_bench: %s\n", e.what());
        exit_code = 1;
    }
    if (own_dir) fs::remove_all(dir);
    return exit_code;
}
