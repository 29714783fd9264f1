// sync_bench: two devices syncing one dataset through a real synclatch-server, beside PouchDB 9 and
// pouchdb-server 4.2 (bench/pouchdb/sync_bench.mjs) and Yjs 13 with y-websocket and @y/websocket-server
// (bench/yjs/sync_bench.mjs) doing the same workload in the same run.
//
// The server is the real binary on 127.0.0.1 with its defaults (SigV4, durable commits), only its
// per-dataset quotas raised to fit N. Each device is its own process (this program run again with
// --device-worker): its own SQLite file (library defaults, durable commits), the Beast HTTP client,
// Cognito Identity credentials (device A gets the identity, device B signs in to the same one), and
// sync::synchronize(). So a device's peak RSS (VmHWM) is that of a process holding one device, the
// program and its libraries included; each phase's time is measured inside the device process around
// the operation alone. The PouchDB and Yjs sides fork one Node process per device in the same way; each
// script says what it times (Yjs has live connections and no checkpoints, so some phases are its honest
// equivalent, not the same operation).
//
// The workload, for each N:
//   A writes N records (100-byte values, 10,000 per transaction); A syncs (push);
//   B, empty, syncs (pull); each device's first two-way sync after that (nothing new);
//   100 changed records A -> B (A syncs, B syncs), then 100 others B -> A;
//   a no-op sync of A (after each side recorded what it received).
// With --million, also an initial pull of 1,000,000 records alone (synclatch only), to check that it
// takes linear time and a small, bounded client memory.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "piped_child.hpp"
#include "support/server_process.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/cognito_remote_store.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/synchronizer.hpp"

namespace fs = std::filesystem;
using namespace synclatch;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using synclatch::bench::PipedChild;

namespace {

// How long a device may take over one step (the million-record push takes half a minute), and a peer's
// whole script.
constexpr auto kDeviceAnswerTimeout = std::chrono::minutes(30);
constexpr auto kPeerScriptTimeout = std::chrono::hours(2);

constexpr const char* kUsage =
    R"(usage: sync_bench [--records N[,N...]]... [--skip-pouchdb] [--skip-yjs] [--million]
                  [--pouchdb-batch-size B] [--client-durability full|normal] [--dir PATH]

Two devices sync one dataset through a real synclatch-server (SigV4, durable commits) on 127.0.0.1,
each device its own process with its own SQLite file and the Beast HTTP client. For each N:
  A writes N records (100-byte values) and syncs; B starts empty and pulls them;
  each device's first two-way sync after that; 100 changed records each way; a no-op sync.
Then the same workload with PouchDB 9 and pouchdb-server 4.2 (LevelDB both sides, a separate server
process) from bench/pouchdb, then with Yjs 13 over y-websocket 3 and @y/websocket-server 0.1.1
(y-leveldb both sides, a separate server process, no auth, writes not synced to disk) from bench/yjs,
and the ratios, the peer's time over synclatch's (aims: >= 10x PouchDB on push and on pull, a no-op
sync in one request). The Node packages come from scripts/install-bench-deps.sh.

  --records N           records per run (repeatable or a comma-separated list; default 10000,100000)
  --skip-pouchdb        no PouchDB run
  --skip-yjs            no Yjs run (both skips: synclatch only)
  --million             also an initial pull of 1,000,000 records alone (synclatch only; aims: linear
                        time, client peak RSS <= 64 MB)
  --pouchdb-batch-size  PouchDB's replication batch_size (default: PouchDB's default, 100)
  --client-durability   the devices' local stores: full (the library default) or normal
  --dir PATH            where the temp data goes (default: a new folder in the temp folder, removed after)
  --help                show this text
)";

constexpr std::int64_t kWriteBatch = 10'000;  // records per put_all (one transaction), as in the script
constexpr std::int64_t kChanged = 100;
constexpr std::int64_t kMillion = 1'000'000;
constexpr std::int64_t kMinRecords = 1000;  // more than the 2 x 100 changed, so the last key stays unchanged
constexpr std::int64_t kMemoryAimKb = 64 * 1024;
constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";  // the server's default
constexpr const char* kDataset = "bench";

struct Options {
    std::vector<std::int64_t> records;
    bool skip_pouchdb = false;
    bool skip_yjs = false;
    bool million = false;
    int pouchdb_batch_size = 0;
    std::string client_durability = "full";
    std::string dir;
};

// Key i and its value in round r: the same bytes as the PouchDB script (the value is 100 bytes).
std::string key_of(std::int64_t i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%07" PRId64, i);
    return key;
}

std::string value_of(std::int64_t i, int round) {
    std::string value = "r" + std::to_string(round) + "-" + std::to_string(i) + "-";
    value.resize(100, 'v');
    return value;
}

// A field of /proc/<pid>/status in kB (VmRSS: now; VmHWM: the peak resident set size so far); -1 when it
// cannot be read.
long status_kb(const char* field, pid_t pid = 0) {
    std::ifstream status(pid == 0 ? std::string("/proc/self/status")
                                  : "/proc/" + std::to_string(pid) + "/status");
    const std::string prefix = std::string(field) + ":";
    for (std::string line; std::getline(status, line);) {
        if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
    }
    return -1;
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ------------------------------------------------------------------------------------------------
// A device: this program run with --device-worker, commands on stdin, one answer line each on stdout.

struct WorkerArgs {
    std::string name;
    std::string store_path;
    unsigned short port = 0;
    std::string identity;  // empty: get a new one (GetId)
    core::Durability durability = core::Durability::full;
};

class Worker {
  public:
    explicit Worker(const WorkerArgs& args) : name_(args.name) {
        auto endpoint = sync::parse_endpoint("http://127.0.0.1:" + std::to_string(args.port));
        if (!endpoint.ok()) fail("endpoint", endpoint.status());
        auto http = platform::BeastHttpClient::open(*endpoint);
        if (!http.ok()) fail("http client", http.status());
        http_ = std::move(http).value();

        sync::CognitoIdentityOptions identity_options;
        identity_options.endpoint = *endpoint;
        identity_options.identity_pool_id = kPool;
        identity_options.cached_identity_id = args.identity;
        credentials_ = std::make_unique<sync::CognitoIdentityCredentials>(*http_, identity_options);
        auto identity = credentials_->identity_id();
        if (!identity.ok()) fail("GetId", identity.status());
        identity_ = *identity;
        // Signed in before the workload starts, as an app is before it syncs.
        if (auto signed_in = credentials_->credentials(); !signed_in.ok())
            fail("GetCredentialsForIdentity", signed_in.status());

        core::StoreOptions store_options;
        store_options.path = args.store_path;
        store_options.durability = args.durability;
        auto store = core::LocalStore::open(store_options);
        if (!store.ok()) fail("local store", store.status());
        store_ = std::move(store).value();
        if (Status s = store_->set_identity_id(identity_); !s.ok()) fail("identity", s);

        sync::CognitoRemoteOptions remote_options;
        remote_options.endpoint = *endpoint;
        remote_options.identity_pool_id = kPool;
        remote_ = std::make_unique<sync::CognitoRemoteStore>(*http_, *credentials_, remote_options);
        auto dataset = store_->open_or_create_dataset(kDataset);
        if (!dataset.ok()) fail("dataset", dataset.status());
        dataset_.emplace(std::move(dataset).value());
        start_rss_kb_ = status_kb("VmRSS");
    }

    const std::string& identity() const { return identity_; }

    // One command line to one answer line: "ok ..." or "error <message>".
    std::string run(const std::string& line) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        if (command == "write") {  // write N: records 0..N-1, round 0
            std::int64_t n = 0;
            in >> n;
            const auto start = Clock::now();
            if (Status s = write_range(0, n, 0); !s.ok()) return "error " + s.to_string();
            return "ok " + std::to_string(ms_since(start));
        }
        if (command == "change") {  // change FROM COUNT ROUND
            std::int64_t from = 0, count = 0;
            int round = 0;
            in >> from >> count >> round;
            const auto start = Clock::now();
            if (Status s = write_range(from, count, round); !s.ok()) return "error " + s.to_string();
            return "ok " + std::to_string(ms_since(start));
        }
        if (command == "sync") {  // -> ms requests pulled pushed sync_count
            sync::SyncOptions options;
            options.device_id = name_;
            const auto start = Clock::now();
            auto result = sync::synchronize(*dataset_, *remote_, options);
            const double ms = ms_since(start);
            if (!result.ok()) return "error " + result.status().to_string();
            return "ok " + std::to_string(ms) + " " + std::to_string(result->requests) + " " +
                   std::to_string(result->pulled) + " " + std::to_string(result->pushed) + " " +
                   std::to_string(result->sync_count);
        }
        if (command == "count") {  // -> live records
            auto meta = dataset_->metadata();
            if (!meta.ok()) return "error " + meta.status().to_string();
            return "ok " + std::to_string(meta->record_count);
        }
        if (command == "value") {  // value I -> the value of key I, or "-"
            std::int64_t i = 0;
            in >> i;
            auto value = dataset_->get(key_of(i));
            if (!value.ok()) return "error " + value.status().to_string();
            return "ok " + value->value_or("-");
        }
        if (command == "memory") {  // -> RSS after setup, peak RSS (kB)
            return "ok " + std::to_string(start_rss_kb_) + " " + std::to_string(status_kb("VmHWM"));
        }
        return "error unknown command '" + command + "'";
    }

  private:
    [[noreturn]] void fail(const char* what, const Status& status) const {
        throw std::runtime_error("device " + name_ + ": " + what + ": " + status.to_string());
    }

    Status write_range(std::int64_t from, std::int64_t count, int round) {
        for (std::int64_t at = from; at < from + count; at += kWriteBatch) {
            std::map<std::string, std::string> batch;
            for (std::int64_t i = at; i < std::min(from + count, at + kWriteBatch); ++i)
                batch.emplace(key_of(i), value_of(i, round));
            if (Status s = dataset_->put_all(batch); !s.ok()) return s;
        }
        return {};
    }

    std::string name_;
    std::string identity_;
    std::unique_ptr<platform::BeastHttpClient> http_;
    std::unique_ptr<sync::CognitoIdentityCredentials> credentials_;
    std::unique_ptr<core::LocalStore> store_;
    std::unique_ptr<sync::CognitoRemoteStore> remote_;
    std::optional<core::Dataset> dataset_;
    long start_rss_kb_ = 0;
};

int run_worker(const WorkerArgs& args) {
    try {
        Worker worker(args);
        std::printf("ready %s\n", worker.identity().c_str());
        std::fflush(stdout);
        for (std::string line; std::getline(std::cin, line);) {
            if (line == "quit") return 0;
            std::printf("%s\n", worker.run(line).c_str());
            std::fflush(stdout);
        }
        return 0;
    } catch (const std::exception& e) {
        std::printf("error %s\n", e.what());
        std::fflush(stdout);
        return 1;
    }
}

// ------------------------------------------------------------------------------------------------
// The coordinator's side of child processes.

struct Step {
    double ms = 0;
    std::int64_t requests = 0;
    std::int64_t pulled = 0;
    std::int64_t pushed = 0;
    std::int64_t sync_count = 0;  // the dataset's sync count after it (of the last step of a sum)
};

Step operator+(Step a, const Step& b) {
    return {a.ms + b.ms, a.requests + b.requests, a.pulled + b.pulled, a.pushed + b.pushed, b.sync_count};
}

// A device process, driven line by line.
class Device {
  public:
    Device(const std::string& name, const fs::path& store, unsigned short port, const std::string& identity,
           const std::string& durability)
        : name_(name),
          child_({fs::read_symlink("/proc/self/exe").string(), "--device-worker", name, store.string(),
                  std::to_string(port), identity.empty() ? "-" : identity, durability}) {
        const auto ready = words(answer());
        if (ready.size() != 2 || ready[0] != "ready")
            throw std::runtime_error("device " + name_ + " did not start");
        identity_ = ready[1];
    }
    ~Device() {
        try {
            child_.send("quit");
        } catch (const std::exception&) {
            // already gone: ~PipedChild reaps it
        }
        child_.close_input();
        child_.wait();
    }

    const std::string& identity() const { return identity_; }

    Step write(std::int64_t n) { return {std::stod(call("write " + std::to_string(n)).at(0))}; }
    void change(std::int64_t from, std::int64_t count, int round) {
        call("change " + std::to_string(from) + " " + std::to_string(count) + " " + std::to_string(round));
    }
    Step sync() {
        const auto w = call("sync");
        return {std::stod(w.at(0)), std::stoll(w.at(1)), std::stoll(w.at(2)), std::stoll(w.at(3)),
                std::stoll(w.at(4))};
    }
    std::int64_t count() { return std::stoll(call("count").at(0)); }
    void expect_value(std::int64_t i, int round) {
        const auto got = call("value " + std::to_string(i)).at(0);
        if (got != value_of(i, round))
            throw std::runtime_error("device " + name_ + ": " + key_of(i) + " is '" + got +
                                     "', expected round " + std::to_string(round));
    }
    // {RSS after setup, peak RSS} in kB.
    std::pair<long, long> memory() {
        const auto w = call("memory");
        return {std::stol(w.at(0)), std::stol(w.at(1))};
    }

  private:
    static std::vector<std::string> words(const std::string& line) {
        std::istringstream in(line);
        std::vector<std::string> out;
        for (std::string w; in >> w;)
            out.push_back(w);
        return out;
    }
    std::string answer() {
        std::optional<std::string> line;
        try {
            line = child_.read_line(kDeviceAnswerTimeout);
        } catch (const std::exception& e) {
            throw std::runtime_error("device " + name_ + ": " + e.what());
        }
        if (line->rfind("error ", 0) == 0)
            throw std::runtime_error("device " + name_ + ": " + line->substr(6));
        return *line;
    }
    std::vector<std::string> call(const std::string& command) {
        child_.send(command);
        auto w = words(answer());
        if (w.empty() || w[0] != "ok")
            throw std::runtime_error("device " + name_ + ": bad answer to " + command);
        w.erase(w.begin());
        return w;
    }

    std::string name_;
    PipedChild child_;
    std::string identity_;
};

// ------------------------------------------------------------------------------------------------
// The workload.

struct Memory {
    long start_kb = 0;
    long peak_kb = 0;
};

struct Run {
    std::int64_t records = 0;
    std::map<std::string, Step> phases;  // by the scripts' names
    Memory a, b;
    long server_peak_kb = -1;  // -1: not known
};

// A peer's runs as its script reported them, and how to print them.
struct Peer {
    std::string name;  // the column's title
    std::string unit;  // what its requests count: "req" (HTTP requests) or "msg" (WebSocket messages)
    std::vector<Run> runs;
};

const std::pair<const char*, const char*> kPhases[] = {
    {"write", "A writes N (10,000 per transaction)"},
    {"push", "A pushes N (A syncs)"},
    {"pull", "B pulls N into an empty store"},
    {"first_sync", "first two-way sync, nothing new (A, B)"},
    {"changed_a_to_b", "100 changed A -> B (A syncs, B syncs)"},
    {"changed_b_to_a", "100 changed B -> A (B syncs, A syncs)"},
    {"noop", "no-op sync (A)"},
};

// A server on a fresh data dir, with the per-dataset quotas raised just enough for n records.
std::unique_ptr<test::ServerProcess> start_server(const fs::path& dir, std::int64_t n) {
    fs::create_directories(dir);
    return std::make_unique<test::ServerProcess>(
        dir.string(), std::vector<std::string>{"--max-records-per-dataset", std::to_string(n + 1000),
                                               "--max-bytes-per-dataset", std::to_string((n + 1000) * 128)});
}

// Syncs first, then second, in that order (the operands of + may be evaluated in either).
Step sync_in_turn(Device& first, Device& second) {
    const Step one = first.sync();
    return one + second.sync();
}

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

Run run_synclatch(std::int64_t n, const fs::path& dir, const Options& options) {
    const auto server = start_server(dir / "server", n);
    Run run;
    run.records = n;
    Device a("a", dir / "a.db", server->port(), "", options.client_durability);
    Device b("b", dir / "b.db", server->port(), a.identity(), options.client_durability);
    std::fprintf(stderr, "synclatch: N=%" PRId64 ": A writes, pushes; B pulls\n", n);
    run.phases["write"] = a.write(n);
    run.phases["push"] = a.sync();
    check(run.phases["push"].pushed == n, "A did not push every record");
    run.phases["pull"] = b.sync();
    check(run.phases["pull"].pulled == n && b.count() == n, "B did not receive every record");
    std::fprintf(stderr, "synclatch: N=%" PRId64 ": first syncs, 100 changed each way, no-op\n", n);
    run.phases["first_sync"] = sync_in_turn(a, b);
    a.change(0, kChanged, 1);
    run.phases["changed_a_to_b"] = sync_in_turn(a, b);
    check(run.phases["changed_a_to_b"].pulled == kChanged, "B did not receive A's changes");
    b.change(kChanged, kChanged, 2);
    run.phases["changed_b_to_a"] = sync_in_turn(b, a);
    check(run.phases["changed_b_to_a"].pulled == kChanged, "A did not receive B's changes");
    b.sync();  // as the PouchDB script does, so both do the same number of syncs
    a.sync();
    run.phases["noop"] = a.sync();
    std::tie(run.a.start_kb, run.a.peak_kb) = a.memory();
    std::tie(run.b.start_kb, run.b.peak_kb) = b.memory();
    run.server_peak_kb = status_kb("VmHWM", server->pid());
    for (Device* device : {&a, &b}) {
        check(device->count() == n, "a device lost records");
        device->expect_value(5, 1);
        device->expect_value(kChanged + 50, 2);
        device->expect_value(n - 1, 0);
    }
    return run;
}

// The initial pull of n records alone: A writes and pushes them (setup), then B pulls into an empty store.
Run run_initial_pull(std::int64_t n, const fs::path& dir, const Options& options) {
    const auto server = start_server(dir / "server", n);
    Run run;
    run.records = n;
    std::string identity;
    {
        Device a("a", dir / "a.db", server->port(), "", options.client_durability);
        std::fprintf(stderr, "synclatch: N=%" PRId64 ": A writes, pushes\n", n);
        run.phases["write"] = a.write(n);
        run.phases["push"] = a.sync();
        check(run.phases["push"].pushed == n, "A did not push every record");
        std::tie(run.a.start_kb, run.a.peak_kb) = a.memory();
        identity = a.identity();
    }  // A's process ends here, so B's pull has the client side of the machine to itself
    std::fprintf(stderr, "synclatch: N=%" PRId64 ": B pulls\n", n);
    Device b("b", dir / "b.db", server->port(), identity, options.client_durability);
    run.phases["pull"] = b.sync();
    std::tie(run.b.start_kb, run.b.peak_kb) = b.memory();
    check(run.phases["pull"].pulled == n && b.count() == n, "B did not receive every record");
    b.expect_value(n - 1, 0);
    return run;
}

// A peer's script (bench/<dir>/sync_bench.mjs) run with the records and extra_args; its report, or
// nullopt (with the reason on stderr). installed: a package in its node_modules that shows it is installed.
std::optional<json> run_peer_script(const char* name, const fs::path& dir, const char* installed,
                                    const char* skip_flag, const Options& options,
                                    const std::vector<std::string>& extra_args) {
    const fs::path script = dir / "sync_bench.mjs";
    if (!fs::exists(dir / "node_modules" / installed)) {
        std::fprintf(stderr,
                     "sync_bench: %s is not installed in %s: run scripts/install-bench-deps.sh (or npm ci "
                     "--prefix bench/%s), or pass %s\n",
                     name, dir.c_str(), dir.filename().c_str(), skip_flag);
        return std::nullopt;
    }
    std::vector<std::string> args = {SYNCLATCH_NODE_EXECUTABLE, script.string()};
    for (auto n : options.records) {
        args.push_back("--records");
        args.push_back(std::to_string(n));
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    PipedChild node(args, /*search_path=*/true);
    node.close_input();
    const std::string out = node.read_all(kPeerScriptTimeout);
    const int status = node.wait();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "sync_bench: the %s script failed (status %d)\n", name, status);
        return std::nullopt;
    }
    json report = json::parse(out, nullptr, false);
    if (report.is_discarded()) {
        std::fprintf(stderr, "sync_bench: the %s script printed no JSON: %s\n", name, out.c_str());
        return std::nullopt;
    }
    return report;
}

// One run of a peer's report: the phases and memory in the shape both scripts print.
Run peer_run(const json& j) {
    Run run;
    run.records = j.at("records").get<std::int64_t>();
    for (const auto& [name, phase] : j.at("phases").items())
        run.phases[name] = Step{phase.at("ms").get<double>(), phase.at("requests").get<std::int64_t>()};
    const json& memory = j.at("memory");
    run.a = {memory.at("a").at("start_rss_kb").get<long>(), memory.at("a").at("peak_rss_kb").get<long>()};
    run.b = {memory.at("b").at("start_rss_kb").get<long>(), memory.at("b").at("peak_rss_kb").get<long>()};
    if (memory.contains("server")) run.server_peak_kb = memory.at("server").at("peak_rss_kb").get<long>();
    return run;
}

std::vector<Run> peer_runs(const json& report) {
    std::vector<Run> runs;
    for (const auto& r : report.at("runs"))
        runs.push_back(peer_run(r));
    return runs;
}

// ------------------------------------------------------------------------------------------------
// Printing.

std::string with_commas(std::int64_t n) {
    const std::string digits = std::to_string(n);
    std::string text;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
        text += digits[i];
    }
    return text;
}

std::string format_time(double ms) {
    char text[32];
    if (ms < 1000)
        std::snprintf(text, sizeof text, "%.1f ms", ms);
    else
        std::snprintf(text, sizeof text, "%.2f s", ms / 1000);
    return text;
}

std::string format_step(const Step& step, bool with_requests, const std::string& unit) {
    std::string text = format_time(step.ms);
    if (with_requests) text += " (" + with_commas(step.requests) + " " + unit + ")";
    return text;
}

std::string format_mb(long kb) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(kb) / 1024);
    return text;
}

// One table for run i: synclatch's column, then each peer's with its ratio (peer's time / synclatch's).
void print_table(const Run& ours, const std::vector<const Peer*>& peers, std::size_t i) {
    std::printf("\nN = %s records (100-byte values)\n", with_commas(ours.records).c_str());
    std::printf("%-42s %24s", "phase", "synclatch");
    for (const Peer* peer : peers)
        std::printf(" %24s %9s", peer->name.c_str(), "ratio");
    std::printf("\n");
    for (const auto& [key, label] : kPhases) {
        const Step& s = ours.phases.at(key);
        const bool requests = std::string(key) != "write";
        std::printf("%-42s %24s", label, format_step(s, requests, "req").c_str());
        for (const Peer* peer : peers) {
            const Step& p = peer->runs[i].phases.at(key);
            char ratio[32];
            std::snprintf(ratio, sizeof ratio, "%.1fx", p.ms / s.ms);
            std::printf(" %24s %9s", format_step(p, requests, peer->unit).c_str(), ratio);
        }
        std::printf("\n");
    }
    auto row = [&](const char* label, auto text) {
        std::printf("%-42s %24s", label, text(ours).c_str());
        for (const Peer* peer : peers)
            std::printf(" %24s %9s", text(peer->runs[i]).c_str(), "");
        std::printf("\n");
    };
    row("client peak RSS, A / B",
        [](const Run& run) { return format_mb(run.a.peak_kb) + " / " + format_mb(run.b.peak_kb) + " MB"; });
    row("  (RSS of each device process at start)",
        [](const Run& run) { return format_mb(run.a.start_kb) + " / " + format_mb(run.b.start_kb) + " MB"; });
    row("server peak RSS", [](const Run& run) {
        return run.server_peak_kb < 0 ? std::string("-") : format_mb(run.server_peak_kb) + " MB";
    });
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (arg == "--records" && has_value) {
            std::istringstream list(argv[++i]);
            for (std::string part; std::getline(list, part, ',');)
                o.records.push_back(std::atoll(part.c_str()));
        } else if (arg == "--skip-pouchdb") {
            o.skip_pouchdb = true;
        } else if (arg == "--skip-yjs") {
            o.skip_yjs = true;
        } else if (arg == "--million") {
            o.million = true;
        } else if (arg == "--pouchdb-batch-size" && has_value) {
            o.pouchdb_batch_size = std::atoi(argv[++i]);
        } else if (arg == "--client-durability" && has_value) {
            o.client_durability = argv[++i];
        } else if (arg == "--dir" && has_value) {
            o.dir = argv[++i];
        } else {
            std::fprintf(stderr, "sync_bench: unknown or incomplete option '%s'\n\n%s", arg.c_str(), kUsage);
            std::exit(2);
        }
    }
    if (o.records.empty()) o.records = {10'000, 100'000};
    for (auto n : o.records) {
        if (n < kMinRecords || n > 10 * kMillion) {
            std::fprintf(stderr, "sync_bench: --records must be %" PRId64 "..%" PRId64 "\n", kMinRecords,
                         10 * kMillion);
            std::exit(2);
        }
    }
    if (o.client_durability != "full" && o.client_durability != "normal") {
        std::fprintf(stderr, "sync_bench: --client-durability must be full or normal\n");
        std::exit(2);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 7 && std::string(argv[1]) == "--device-worker") {
        WorkerArgs args;
        args.name = argv[2];
        args.store_path = argv[3];
        args.port = static_cast<unsigned short>(std::atoi(argv[4]));
        args.identity = std::string(argv[5]) == "-" ? "" : argv[5];
        args.durability =
            std::string(argv[6]) == "normal" ? core::Durability::normal : core::Durability::full;
        return run_worker(args);
    }
    const Options options = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);  // a device that died shows as an error, not as our death
    const bool own_dir = options.dir.empty();
    const fs::path dir =
        own_dir ? fs::temp_directory_path() / ("synclatch-sync-bench-" + std::to_string(::getpid()))
                : fs::path(options.dir);
    fs::create_directories(dir);
    int exit_code = 0;
    try {
        std::printf("sync_bench: 2 devices (a process each) and synclatch-server on 127.0.0.1, data in %s\n",
                    dir.c_str());
        std::fflush(stdout);
        std::vector<Run> ours;
        for (auto n : options.records) {
            ours.push_back(run_synclatch(n, dir / ("synclatch-" + std::to_string(n)), options));
            fs::remove_all(dir / ("synclatch-" + std::to_string(n)));
        }
        std::optional<Run> million;
        if (options.million) {
            million = run_initial_pull(kMillion, dir / "synclatch-million", options);
            fs::remove_all(dir / "synclatch-million");
        }

        std::optional<Peer> pouchdb, yjs;
        if (!options.skip_pouchdb) {
            std::fprintf(stderr, "sync_bench: the same workload with PouchDB\n");
            std::vector<std::string> extra;
            if (options.pouchdb_batch_size > 0)
                extra = {"--batch-size", std::to_string(options.pouchdb_batch_size)};
            const auto report = run_peer_script("PouchDB", SYNCLATCH_POUCHDB_DIR, "pouchdb-server",
                                                "--skip-pouchdb", options, extra);
            if (!report) {
                exit_code = 1;
            } else {
                pouchdb = Peer{"PouchDB", "req", peer_runs(*report)};
                std::printf(
                    "PouchDB %s, pouchdb-server %s (its pouchdb-core %s), Node.js %s, LevelDB on both "
                    "sides (leveldown %s client, %s server), replication batch_size %d\n",
                    report->at("pouchdb").get<std::string>().c_str(),
                    report->at("pouchdb_server").get<std::string>().c_str(),
                    report->at("server_pouchdb_core").get<std::string>().c_str(),
                    report->at("node").get<std::string>().c_str(),
                    report->at("client_leveldown").get<std::string>().c_str(),
                    report->at("server_leveldown").get<std::string>().c_str(),
                    report->at("batch_size").get<int>());
            }
        }
        if (!options.skip_yjs) {
            std::fprintf(stderr, "sync_bench: the same workload with Yjs\n");
            const auto report =
                run_peer_script("Yjs", SYNCLATCH_YJS_DIR, "@y/websocket-server", "--skip-yjs", options, {});
            if (!report) {
                exit_code = 1;
            } else {
                yjs = Peer{"Yjs", "msg", peer_runs(*report)};
                std::printf(
                    "Yjs %s, y-websocket %s, @y/websocket-server %s, Node.js %s, y-leveldb %s on both sides "
                    "(classic-level %s); live connections, no auth, LevelDB writes not synced to disk\n",
                    report->at("yjs").get<std::string>().c_str(),
                    report->at("y_websocket").get<std::string>().c_str(),
                    report->at("websocket_server").get<std::string>().c_str(),
                    report->at("node").get<std::string>().c_str(),
                    report->at("y_leveldb").get<std::string>().c_str(),
                    report->at("level").get<std::string>().c_str());
            }
        }

        std::printf(
            "times: wall time inside the device process(es); ratio: the peer's time / synclatch's "
            "time;\nreq: HTTP requests the client made; msg: WebSocket messages the client sent "
            "(Yjs: see bench/yjs/sync_bench.mjs for what each phase is there)\n");
        for (std::size_t i = 0; i < ours.size(); ++i) {
            std::vector<const Peer*> peers;
            for (const auto* peer : {&pouchdb, &yjs}) {
                if (*peer && i < (*peer)->runs.size()) peers.push_back(&**peer);
            }
            print_table(ours[i], peers, i);
            const Run* peer = pouchdb && i < pouchdb->runs.size() ? &pouchdb->runs[i] : nullptr;
            std::vector<std::string> aims;
            char text[160];
            if (peer) {
                for (const char* phase : {"push", "pull"}) {
                    const double ratio = peer->phases.at(phase).ms / ours[i].phases.at(phase).ms;
                    std::snprintf(text, sizeof text, "%s %.1fx PouchDB (>= 10x: %s)", phase, ratio,
                                  ratio >= 10 ? "met" : "NOT met");
                    aims.emplace_back(text);
                }
            }
            const auto noop = ours[i].phases.at("noop").requests;
            std::snprintf(text, sizeof text, "no-op sync in %" PRId64 " request(s) (1: %s)", noop,
                          noop == 1 ? "met" : "NOT met");
            aims.emplace_back(text);
            std::printf("aims:");
            for (std::size_t k = 0; k < aims.size(); ++k)
                std::printf("%s %s", k == 0 ? "" : ";", aims[k].c_str());
            std::printf("\n");
        }
        if (million) {
            const Step& pull = million->phases.at("pull");
            const double us_per_record = 1000 * pull.ms / static_cast<double>(million->records);
            std::printf(
                "\nInitial pull of %s records alone (synclatch; A wrote them in %s and pushed them in %s)\n",
                with_commas(million->records).c_str(), format_time(million->phases.at("write").ms).c_str(),
                format_time(million->phases.at("push").ms).c_str());
            std::printf("  B pulls: %s, %s requests, %.0f records/s, %.2f us/record\n",
                        format_time(pull.ms).c_str(), with_commas(pull.requests).c_str(),
                        static_cast<double>(million->records) * 1000 / pull.ms, us_per_record);
            std::printf("  B's peak RSS: %s MB (at start %s MB; aim <= 64 MB: %s)\n",
                        format_mb(million->b.peak_kb).c_str(), format_mb(million->b.start_kb).c_str(),
                        million->b.peak_kb <= kMemoryAimKb ? "met" : "NOT met");
            std::printf("  (A's peak RSS, writing and pushing them: %s MB)\n",
                        format_mb(million->a.peak_kb).c_str());
            for (const auto& run : ours) {
                const double other = 1000 * run.phases.at("pull").ms / static_cast<double>(run.records);
                std::printf("  per record vs N = %s: %.2f us -> %.2f us (x%.2f)\n",
                            with_commas(run.records).c_str(), other, us_per_record, us_per_record / other);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sync_bench: %s\n", e.what());
        exit_code = 1;
    }
    if (own_dir) fs::remove_all(dir);
    return exit_code;
}
