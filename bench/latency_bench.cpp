// latency_bench: how long after device A's write does device B have it. Devices of one identity, each a
// synclatch::Client with background sync and its push channel open, against a real synclatch-server on
// 127.0.0.1, idle and under a load of UpdateRecords on other identities; beside PouchDB 9 live replication
// through pouchdb-server 4.2 doing the same in the same run (bench/pouchdb/latency_bench.mjs).
//
// Processes: the coordinator (this program) starts the server, one writer process, receiver processes
// (several clients each when there are many devices) and a load process, all of them this program run
// again (--writer-worker, --receiver-worker, --load-worker). Every process stamps events with
// clock_gettime(CLOCK_MONOTONIC), which is one clock for every process of the machine, so stamps taken in
// different processes are compared directly.
//
// One write: the writer puts one record (a 100-byte value naming the write's number) and synchronizes
// explicitly; the start is the moment that sync reports its UpdateRecords done (SyncOptions::on_progress,
// pushing phase: the server's answer has come; the device settles it on another thread). Each
// receiver stamps the moment its store commits the record (core::Dataset::on_change, origin remote,
// called by the sync thread right after the commit). latency = seen-on-receiver - acknowledged-on-writer.
// The next write starts once every receiver has the record (or after --write-timeout).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "piped_child.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "synclatch/client.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/platform/manual_connectivity.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using namespace synclatch;
using nlohmann::json;

using synclatch::bench::PipedChild;

namespace {

constexpr const char* kUsage =
    R"(usage: latency_bench [--devices N[,N...]] [--writes W] [--max-seconds S] [--devices-per-process K]
                     [--load-rate R] [--load-connections C] [--write-timeout MS] [--skip-pouchdb]
                     [--client-durability full|normal] [--dir PATH]

Change-to-device latency: how long after device A's write does device B have it.

For each N, N devices of one identity (all of one user, so they share the dataset) against a real
synclatch-server on 127.0.0.1 (SigV4, durable commits, its defaults but --max-connections-per-address
4096: every device connects from 127.0.0.1, as from behind a proxy). Device A, the writer, is its own
process; the N-1 receivers run in processes of up to K clients each (this program run again). Every
device is a synclatch::Client with its own SQLite file (library defaults, durable commits). Receivers
keep the dataset under background sync (interval 0: they sync only on triggers) with the push channel
open (open_push_channel(): the server's WebSocket /push), so a push hint starts their sync at once
(a hint schedules the sync with no delay; after_local_change, 2 s, applies only to local writes,
which receivers do not make). The writer has no background sync: it syncs explicitly after each put.

One write at a time: A puts one record (100-byte value) and syncs. Start: A's sync reports its
UpdateRecords done (on_progress, pushing: the answer has come; it is settled on another thread).
End, per receiver: its store commits the record (Dataset::on_change, origin remote). latency = end -
start, all stamps from CLOCK_MONOTONIC (one clock for all processes of the machine). A negative
sample means the receiver had the record before A had finished handling the server's answer (the
server sends hints before it answers UpdateRecords). Also shown: put -> visible (from before A's put).
The next write starts when every receiver has the record, or after the write timeout (missing).
5 warm-up writes per phase are not counted.

Each N runs two phases on the same devices:
  idle   nothing else runs
  load   a load process sends UpdateRecords (one 100-byte record) to the same server over C
         keep-alive connections, each its own identity and dataset (as server_bench does), at R
         requests/s in total (0: flat out), from 1 s before the phase to its end
Then the same with PouchDB 9 through pouchdb-server 4.2 (bench/pouchdb/latency_bench.mjs): the same
layout of processes, each device a PouchDB database with db.sync(remote, {live: true, retry: true});
start: the writer's live sync emits 'change' (push) with the document after db.put (its _bulk_docs
was answered by pouchdb-server); end: a receiver's live sync emits 'change' (pull) with it. Its load
process PUTs one document (100-byte value) per request to other databases of pouchdb-server, at the
same rate over the same number of connections. LevelDB does not sync its writes to disk.

Output: per N and phase, samples (received / receivers x counted writes), p50 / p99 / max of
acknowledged -> visible in ms, synclatch's put -> visible, and the load rate achieved; then per
phase A's put -> acknowledged, the negative samples, and the receivers' syncs per write and their
requests (1 sync of 1 request each: one ListRecords per hint).

  --devices LIST          device counts (comma-separated or repeated; default 2,10,100), 2..200
  --writes W              counted writes per phase (default 200)
  --max-seconds S         each phase stops writing after S seconds (default 60)
  --devices-per-process K receiver clients per process (default 10)
  --load-rate R           the load's UpdateRecords per second in total (default 1000; 0: flat out)
  --load-connections C    the load's connections (default 16)
  --write-timeout MS      the longest wait for every receiver to have a write (default 5000)
  --client-durability D   the devices' local stores: full (the library default: each commit is
                          fsynced) or normal
  --skip-pouchdb          synclatch only
  --dir PATH              where the temp data goes (default: a new folder in the temp folder, removed)
  --help                  show this text
)";

constexpr const char* kPool = "us-east-1:00000000-0000-0000-0000-000000000000";  // the server's default
constexpr const char* kDataset = "latency";
constexpr int kKeys = 64;      // the writer cycles over these keys: the dataset stays small
constexpr int kWarmup = 5;     // writes per phase not counted
constexpr double kAimMs = 50;  // the issue's aim: p99 with 100 devices under load
// The server's one non-default flag: every device here comes from 127.0.0.1, as from behind a proxy, and
// each keeps its HTTP connections and its push channel open (the default, 256, is for one address).
constexpr int kMaxConnectionsPerAddress = 4096;

struct Options {
    std::vector<int> devices;
    int writes = 200;
    int max_seconds = 60;
    int per_process = 10;
    int load_rate = 1000;
    int load_connections = 16;
    int write_timeout_ms = 5000;
    bool skip_pouchdb = false;
    std::string client_durability = "full";
    std::string dir;
};

std::int64_t now_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

std::string key_of(std::int64_t seq) {
    char key[16];
    std::snprintf(key, sizeof key, "k%03d", static_cast<int>(seq % kKeys));
    return key;
}

// "L<seq>-vvv...": 100 bytes that name the write.
std::string value_of(std::int64_t seq) {
    std::string value = "L" + std::to_string(seq) + "-";
    value.resize(100, 'v');
    return value;
}

std::optional<std::int64_t> seq_of(const std::string& value) {
    if (value.size() < 3 || value[0] != 'L') return std::nullopt;
    return std::strtoll(value.c_str() + 1, nullptr, 10);
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

// Lines to the coordinator, from any thread.
std::mutex g_out_mutex;
void say(const std::string& line) {
    std::lock_guard lock(g_out_mutex);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::string endpoint_of(unsigned short port) {
    return "http://127.0.0.1:" + std::to_string(port);
}

// A client in dir for identity (empty: the client obtains one). A known identity is put into the local
// store before the client opens it, as a device that synced before would have it, so every device acts
// for the same identity (as sync_bench's device B does with cached_identity_id).
std::unique_ptr<Client> open_client(const fs::path& dir, unsigned short port, const std::string& identity,
                                    std::shared_ptr<platform::ConnectivityMonitor> connectivity,
                                    core::Durability durability) {
    fs::create_directories(dir);
    if (!identity.empty()) {
        core::StoreOptions store_options;
        store_options.path = (dir / "synclatch.db").string();
        store_options.durability = durability;
        auto store = core::LocalStore::open(store_options);
        if (!store.ok()) throw std::runtime_error("local store: " + store.status().to_string());
        if (Status s = (*store)->set_identity_id(identity); !s.ok())
            throw std::runtime_error("identity: " + s.to_string());
    }
    ClientOptions options;
    options.endpoint = endpoint_of(port);
    options.identity_pool_id = kPool;
    options.data_dir = dir.string();
    options.connectivity = std::move(connectivity);
    options.durability = durability;
    auto client = Client::open(std::move(options));
    if (!client.ok()) throw std::runtime_error("Client::open: " + client.status().to_string());
    return std::move(client).value();
}

// ------------------------------------------------------------------------------------------------
// The writer: --writer-worker PORT DIR. Prints "ready <identity>"; "write SEQ" -> "ok T_PUT T_ACK T_DONE".

int run_writer(unsigned short port, const fs::path& dir, core::Durability durability) {
    try {
        auto connectivity = std::make_shared<platform::ManualConnectivity>(true);
        auto client = open_client(dir / "writer", port, "", connectivity, durability);
        auto identity = client->identity_id();
        if (!identity.ok()) throw std::runtime_error("GetId: " + identity.status().to_string());
        if (auto first = client->synchronize(kDataset); !first.ok())
            throw std::runtime_error("first sync: " + first.status().to_string());
        auto dataset = client->open_or_create_dataset(kDataset);
        if (!dataset.ok()) throw std::runtime_error("dataset: " + dataset.status().to_string());
        say("ready " + *identity);
        for (std::string line; std::getline(std::cin, line);) {
            const auto w = words(line);
            if (w.empty() || w[0] == "quit") break;
            if (w[0] != "write" || w.size() != 2) {
                say("error unknown command '" + line + "'");
                continue;
            }
            const std::int64_t seq = std::stoll(w[1]);
            const std::int64_t put = now_ns();
            if (Status s = dataset->put(key_of(seq), value_of(seq)); !s.ok()) {
                say("error put: " + s.to_string());
                continue;
            }
            std::int64_t acknowledged = 0;
            sync::SyncOptions options;
            options.on_progress = [&](const sync::SyncProgress& progress) {
                if (progress.phase == sync::SyncProgress::Phase::pushing && acknowledged == 0)
                    acknowledged = now_ns();
            };
            auto result = client->synchronize(kDataset, options);
            const std::int64_t done = now_ns();
            if (!result.ok()) {
                say("error sync: " + result.status().to_string());
            } else if (acknowledged == 0 || result->pushed != 1) {
                say("error the sync pushed " + std::to_string(result->pushed) + " records");
            } else {
                say("ok " + std::to_string(put) + " " + std::to_string(acknowledged) + " " +
                    std::to_string(done));
            }
        }
        return 0;
    } catch (const std::exception& e) {
        say(std::string("error writer: ") + e.what());
        return 1;
    }
}

// ------------------------------------------------------------------------------------------------
// Receivers: --receiver-worker PORT DIR IDENTITY FIRST COUNT. Devices FIRST..FIRST+COUNT-1 in this
// process; prints "ready" once each has synced once and has its push channel connected, then
// "seen SEQ DEVICE T" for each record each device stores, "synced DEVICE REQUESTS PULLED" for each sync
// that succeeded and "failed DEVICE" for each that failed.

struct Receiver {
    int device = 0;
    std::unique_ptr<Client> client;
    core::Subscription changes;
};

int run_receivers(unsigned short port, const fs::path& dir, const std::string& identity, int first, int count,
                  core::Durability durability) {
    try {
        // One connectivity source for the process's clients: loopback is always up, and 10 netlink
        // monitors would only add threads.
        auto connectivity = std::make_shared<platform::ManualConnectivity>(true);
        std::mutex mutex;
        std::condition_variable synced_once;
        std::set<int> synced;  // guarded by mutex
        std::atomic<long> failures{0};
        std::atomic<bool> measuring{false};
        std::vector<Receiver> receivers(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            Receiver& r = receivers[static_cast<std::size_t>(i)];
            r.device = first + i;
            r.client = open_client(dir / ("device-" + std::to_string(r.device)), port, identity, connectivity,
                                   durability);
            auto dataset = r.client->open_or_create_dataset(kDataset);
            if (!dataset.ok()) throw std::runtime_error("dataset: " + dataset.status().to_string());
            r.changes = dataset->on_change([device = r.device](const core::Change& change) {
                if (change.origin != core::Origin::remote || !change.value) return;
                const std::int64_t at = now_ns();
                if (auto seq = seq_of(*change.value))
                    say("seen " + std::to_string(*seq) + " " + std::to_string(device) + " " +
                        std::to_string(at));
            });
            BackgroundSyncOptions background;
            background.interval = std::chrono::milliseconds(0);  // only triggers: the hints
            background.request.on_success = [&, device = r.device](const sync::SyncResult& result) {
                if (measuring.load()) {
                    say("synced " + std::to_string(device) + " " + std::to_string(result.requests) + " " +
                        std::to_string(result.pulled));
                    return;
                }
                std::lock_guard lock(mutex);
                if (synced.insert(device).second) synced_once.notify_all();
            };
            background.request.on_failure = [&failures, device = r.device](const Status& status) {
                if (failures++ < 5)
                    std::fprintf(stderr, "latency_bench: device %d: a sync failed: %s\n", device,
                                 status.to_string().c_str());
                say("failed " + std::to_string(device));
            };
            if (Status s = r.client->start_background_sync(kDataset, background); !s.ok())
                throw std::runtime_error("start_background_sync: " + s.to_string());
            if (Status s = r.client->open_push_channel(); !s.ok())
                throw std::runtime_error("open_push_channel: " + s.to_string());
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        {
            std::unique_lock lock(mutex);
            if (!synced_once.wait_until(lock, deadline, [&] { return synced.size() == receivers.size(); }))
                throw std::runtime_error("not every device synced within 60 s");
        }
        for (auto& r : receivers) {
            while (!r.client->push_channel_connected()) {
                if (std::chrono::steady_clock::now() > deadline)
                    throw std::runtime_error("a push channel did not connect within 60 s");
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        measuring.store(true);
        say("ready");
        for (std::string line; std::getline(std::cin, line);) {
            if (line == "quit") break;
        }
        for (auto& r : receivers)
            r.changes.reset();
        return 0;
    } catch (const std::exception& e) {
        say(std::string("error receivers: ") + e.what());
        return 1;
    }
}

// ------------------------------------------------------------------------------------------------
// The load: --load-worker PORT CONNECTIONS RATE. Sets up one identity per connection (GetId,
// GetCredentialsForIdentity, a ListRecords for the session token), prints "ready"; "go" starts
// UpdateRecords of one 100-byte record per request on each keep-alive connection (server_bench's
// approach), at RATE requests/s in total (0: flat out); "stop" -> "ok REQUESTS FAILURES SECONDS".

struct LoadConnection {
    std::string identity;
    std::optional<sync::sigv4::Signer> signer;
    std::string session_token;
    std::int64_t sync_count = 0;
    long requests = 0;
    long failures = 0;
};

asio::awaitable<void> load_one(LoadConnection& c, unsigned short port, const std::atomic<bool>& stop,
                               std::chrono::nanoseconds period, std::string amz_date) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                  asio::use_awaitable);
    stream.socket().set_option(asio::ip::tcp::no_delay(true));
    beast::flat_buffer buffer;
    asio::steady_timer timer(executor);
    auto next = std::chrono::steady_clock::now();
    const std::string path = test::dataset_path(c.identity, "load");
    const std::string value(100, 'v');
    while (!stop.load()) {
        if (period.count() > 0) {
            next += period;
            const auto now = std::chrono::steady_clock::now();
            if (next < now - 10 * period) next = now;  // fell far behind: do not burst to catch up
            timer.expires_at(next);
            co_await timer.async_wait(asio::use_awaitable);
        }
        sync::sigv4::Request wire;
        wire.method = "POST";
        wire.path = path;
        wire.body = R"({"SyncSessionToken":")" + c.session_token +
                    R"(","RecordPatches":[{"Op":"replace","Key":"k","Value":")" + value +
                    R"(","SyncCount":)" + std::to_string(c.sync_count) + "}]}";
        wire.headers = {{"Host", "127.0.0.1:" + std::to_string(port)}, {"Content-Type", "application/json"}};
        c.signer->sign(wire, amz_date);
        http::request<http::string_body> request(http::verb::post, wire.path, 11);
        for (const auto& [name, v] : wire.headers)
            request.set(name, v);
        request.body() = std::move(wire.body);
        request.prepare_payload();
        request.keep_alive(true);
        co_await http::async_write(stream, request, asio::use_awaitable);
        http::response<http::string_body> response;
        co_await http::async_read(stream, buffer, response, asio::use_awaitable);
        ++c.requests;
        if (response.result() != http::status::ok) {
            if (c.failures++ == 0)
                std::fprintf(stderr, "latency_bench: load: %u %s\n", response.result_int(),
                             response.body().c_str());
            continue;
        }
        const auto& body = response.body();
        const auto at = body.find("\"SyncCount\":");
        if (at != std::string::npos) c.sync_count = std::strtoll(body.c_str() + at + 12, nullptr, 10);
    }
}

int run_load(unsigned short port, int connections, int rate) {
    try {
        std::vector<LoadConnection> load(static_cast<std::size_t>(connections));
        test::HttpClient setup(port);
        for (auto& c : load) {
            sync::sigv4::Credentials credentials;
            std::tie(c.identity, credentials) = test::new_identity(setup);
            c.signer.emplace(credentials, "us-east-1", "cognito-sync");
            auto listed =
                setup.send("GET", test::dataset_path(c.identity, "load") + "/records", "", credentials);
            c.session_token = listed.json().at("SyncSessionToken").get<std::string>();
        }
        say("ready");
        std::string line;
        if (!std::getline(std::cin, line) || line != "go") return 0;
        std::atomic<bool> stop{false};
        asio::io_context io(1);
        const auto period = rate > 0 ? std::chrono::nanoseconds(1'000'000'000LL * connections / rate)
                                     : std::chrono::nanoseconds(0);
        const std::string amz_date = test::amz_date_now();
        for (auto& c : load) {
            asio::co_spawn(io, load_one(c, port, stop, period, amz_date), [](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    std::fprintf(stderr, "latency_bench: a load connection failed: %s\n", ex.what());
                }
            });
        }
        const auto start = std::chrono::steady_clock::now();
        std::thread runner([&io] { io.run(); });
        while (std::getline(std::cin, line) && line != "stop") {
        }
        stop.store(true);
        runner.join();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        long requests = 0, failures = 0;
        for (const auto& c : load) {
            requests += c.requests;
            failures += c.failures;
        }
        say("ok " + std::to_string(requests) + " " + std::to_string(failures) + " " +
            std::to_string(seconds));
        return 0;
    } catch (const std::exception& e) {
        say(std::string("error load: ") + e.what());
        return 1;
    }
}

// ------------------------------------------------------------------------------------------------
// The coordinator's side of the child processes.

// Reads from every child with output until `until` or until done() holds; hands each line to on_line.
template <class OnLine, class Done>
void pump_until(std::vector<PipedChild*>& children, std::chrono::steady_clock::time_point until,
                OnLine on_line, Done done) {
    for (;;) {
        for (PipedChild* c : children)
            while (auto line = c->take_line())
                on_line(*c, *line);
        if (done()) return;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        std::vector<pollfd> fds;
        for (PipedChild* c : children)
            if (!c->at_end()) fds.push_back({c->fd(), POLLIN, 0});
        if (fds.empty()) throw std::runtime_error("every receiver process ended");
        if (::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 100))) <= 0)
            continue;
        for (const auto& p : fds) {
            if (p.revents == 0) continue;
            for (PipedChild* c : children)
                if (c->fd() == p.fd) c->pump();
        }
    }
}

std::string self_exe() {
    return fs::read_symlink("/proc/self/exe").string();
}

std::string expect_prefix(const std::string& line, const std::string& prefix, const std::string& who) {
    if (line.rfind(prefix, 0) != 0) throw std::runtime_error(who + ": " + line);
    return line.substr(prefix.size());
}

// ------------------------------------------------------------------------------------------------
// The scenarios.

struct Stats {
    std::size_t samples = 0;
    std::size_t expected = 0;
    std::size_t negative = 0;
    double p50 = 0, p99 = 0, max = 0;
};

Stats stats_of(std::vector<double> ms, std::size_t expected) {
    Stats s;
    s.samples = ms.size();
    s.expected = expected;
    if (ms.empty()) return s;
    std::sort(ms.begin(), ms.end());
    auto rank = [&](double p) {  // nearest rank
        const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ms.size())));
        return ms[std::min(ms.size() - 1, k == 0 ? 0 : k - 1)];
    };
    s.p50 = rank(0.50);
    s.p99 = rank(0.99);
    s.max = ms.back();
    s.negative =
        static_cast<std::size_t>(std::count_if(ms.begin(), ms.end(), [](double v) { return v < 0; }));
    return s;
}

struct PhaseResult {
    int devices = 0;
    std::string phase;     // "idle" or "load"
    int writes = 0;        // counted writes made
    int writes_made = 0;   // warm-up ones included
    Stats ack;             // acknowledged on A -> visible on B
    Stats put;             // put on A -> visible on B
    Stats writer_sync;     // A's put -> acknowledged (one per write)
    double load_rate = 0;  // achieved load, requests/s (phase "load")
    long load_failures = 0;
    long receiver_failures = 0;
    long receiver_syncs = 0;     // background syncs the receivers made (hints, retries)
    long receiver_requests = 0;  // their HTTP requests
};

struct Layout {
    int processes = 0;
    int per_process = 0;
};

Layout layout_of(int receivers, int per_process) {
    const int processes = (receivers + per_process - 1) / per_process;
    return {processes, (receivers + processes - 1) / processes};
}

class Scenario {
  public:
    Scenario(int devices, const fs::path& dir, const Options& options)
        : devices_(devices), options_(options) {
        fs::create_directories(dir / "server");
        server_ = std::make_unique<test::ServerProcess>(
            (dir / "server").string(), std::vector<std::string>{"--max-connections-per-address",
                                                                std::to_string(kMaxConnectionsPerAddress)});
        const auto port = std::to_string(server_->port());
        writer_ = std::make_unique<PipedChild>(std::vector<std::string>{
            self_exe(), "--writer-worker", port, dir.string(), options.client_durability});
        identity_ = expect_prefix(writer_->read_line(std::chrono::seconds(60)), "ready ", "writer");
        const int receivers = devices - 1;
        const Layout layout = layout_of(receivers, options.per_process);
        for (int first = 1; first <= receivers; first += layout.per_process) {
            const int count = std::min(layout.per_process, receivers - first + 1);
            receivers_.push_back(std::make_unique<PipedChild>(std::vector<std::string>{
                self_exe(), "--receiver-worker", port, dir.string(), identity_, std::to_string(first),
                std::to_string(count), options.client_durability}));
        }
        for (auto& r : receivers_) {
            // A sync that failed during setup is retried by background sync (its backoff); not counted.
            std::string line;
            while ((line = r->read_line(std::chrono::seconds(120))).rfind("failed ", 0) == 0) {
            }
            expect_prefix(line, "ready", "receivers");
            receiver_children_.push_back(r.get());
        }
        load_ = std::make_unique<PipedChild>(std::vector<std::string>{
            self_exe(), "--load-worker", port, std::to_string(options.load_connections),
            std::to_string(options.load_rate)});
        expect_prefix(load_->read_line(std::chrono::seconds(60)), "ready", "load");
    }
    ~Scenario() {
        try {
            for (auto& r : receivers_)
                r->send("quit");
            writer_->send("quit");
        } catch (const std::exception&) {
            // gone already
        }
        load_->close_input();
        writer_->close_input();
        for (auto& r : receivers_)
            r->close_input();
        load_->wait();
        writer_->wait();
        for (auto& r : receivers_)
            r->wait();
        server_->terminate();
    }

    std::size_t processes() const { return receivers_.size(); }

    PhaseResult run(const std::string& phase) {
        PhaseResult result;
        result.devices = devices_;
        result.phase = phase;
        if (phase == "load") {
            load_->send("go");
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        const int receivers = devices_ - 1;
        std::map<std::int64_t, std::map<int, std::int64_t>> seen;  // seq -> device -> stamp
        auto on_line = [&](PipedChild&, const std::string& line) {
            const auto w = words(line);
            if (w.size() == 4 && w[0] == "seen") {
                seen[std::stoll(w[1])].emplace(std::stoi(w[2]), std::stoll(w[3]));
            } else if (w.size() == 4 && w[0] == "synced") {
                ++result.receiver_syncs;
                result.receiver_requests += std::stol(w[2]);
            } else if (w.size() == 2 && w[0] == "failed") {
                ++result.receiver_failures;
            } else {
                throw std::runtime_error("receivers: " + line);
            }
        };
        struct Write {
            std::int64_t seq, put, ack;
        };
        std::vector<Write> counted;
        int writes_made = 0;
        const auto phase_end = std::chrono::steady_clock::now() + std::chrono::seconds(options_.max_seconds);
        for (int i = 0; i < kWarmup + options_.writes && std::chrono::steady_clock::now() < phase_end; ++i) {
            const std::int64_t seq = next_seq_++;
            ++writes_made;
            writer_->send("write " + std::to_string(seq));
            const auto w =
                words(expect_prefix(writer_->read_line(std::chrono::seconds(60)), "ok ", "writer"));
            if (i >= kWarmup) counted.push_back({seq, std::stoll(w.at(0)), std::stoll(w.at(1))});
            const auto until = std::min(phase_end, std::chrono::steady_clock::now() +
                                                       std::chrono::milliseconds(options_.write_timeout_ms));
            pump_until(receiver_children_, until, on_line,
                       [&] { return static_cast<int>(seen[seq].size()) >= receivers; });
        }
        // Stragglers of the last write, briefly.
        pump_until(receiver_children_, std::chrono::steady_clock::now() + std::chrono::milliseconds(100),
                   on_line, [] { return false; });
        if (phase == "load") {
            load_->send("stop");
            const auto w = words(expect_prefix(load_->read_line(std::chrono::seconds(60)), "ok ", "load"));
            result.load_rate = std::stod(w.at(0)) / std::stod(w.at(2));
            result.load_failures = std::stol(w.at(1));
        }
        std::vector<double> ack_ms, put_ms, writer_ms;
        for (const auto& w : counted) {
            writer_ms.push_back(static_cast<double>(w.ack - w.put) / 1e6);
            for (const auto& [device, at] : seen[w.seq]) {
                ack_ms.push_back(static_cast<double>(at - w.ack) / 1e6);
                put_ms.push_back(static_cast<double>(at - w.put) / 1e6);
            }
        }
        result.writes = static_cast<int>(counted.size());
        result.writes_made = writes_made;
        const std::size_t expected = counted.size() * static_cast<std::size_t>(receivers);
        result.ack = stats_of(ack_ms, expected);
        result.put = stats_of(put_ms, expected);
        result.writer_sync = stats_of(writer_ms, counted.size());
        return result;
    }

  private:
    int devices_;
    const Options& options_;
    std::unique_ptr<test::ServerProcess> server_;
    std::unique_ptr<PipedChild> writer_;
    std::string identity_;
    std::vector<std::unique_ptr<PipedChild>> receivers_;
    std::vector<PipedChild*> receiver_children_;
    std::unique_ptr<PipedChild> load_;
    std::int64_t next_seq_ = 1;
};

// The PouchDB script's report, or nullopt (the reason on stderr).
std::optional<json> run_pouchdb(const Options& options) {
    const fs::path dir(SYNCLATCH_POUCHDB_DIR);
    if (!fs::exists(dir / "node_modules" / "pouchdb-server")) {
        std::fprintf(
            stderr,
            "latency_bench: PouchDB is not installed in %s: run npm ci --prefix bench/pouchdb, or pass "
            "--skip-pouchdb\n",
            SYNCLATCH_POUCHDB_DIR);
        return std::nullopt;
    }
    std::string devices;
    for (int n : options.devices)
        devices += (devices.empty() ? "" : ",") + std::to_string(n);
    PipedChild node(
        {SYNCLATCH_NODE_EXECUTABLE, (dir / "latency_bench.mjs").string(), "--devices", devices, "--writes",
         std::to_string(options.writes), "--max-seconds", std::to_string(options.max_seconds),
         "--devices-per-process", std::to_string(options.per_process), "--load-rate",
         std::to_string(options.load_rate), "--load-connections", std::to_string(options.load_connections),
         "--write-timeout", std::to_string(options.write_timeout_ms)},
        /*search_path=*/true);
    node.close_input();
    // Generous: every phase is bounded by --max-seconds, setup of 100 devices takes a while.
    const auto budget = std::chrono::seconds(static_cast<long>(options.devices.size()) *
                                             (2L * (options.max_seconds + 10) + 180));
    const std::string out = node.read_all(budget);
    const int status = node.wait();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "latency_bench: the PouchDB script failed (status %d)\n", status);
        return std::nullopt;
    }
    json report = json::parse(out, nullptr, false);
    if (report.is_discarded()) {
        std::fprintf(stderr, "latency_bench: the PouchDB script printed no JSON: %s\n", out.c_str());
        return std::nullopt;
    }
    return report;
}

// The machine's 1-minute load average (the machine may be shared: it says how busy it was).
double load_average() {
    double load[1] = {0};
    return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::string format_stats(const Stats& s) {
    char text[96];
    if (s.samples == 0) return "      -       -       -";
    std::snprintf(text, sizeof text, "%7.1f %7.1f %7.1f", s.p50, s.p99, s.max);
    return text;
}

std::string format_count(const Stats& s) {
    return std::to_string(s.samples) + "/" + std::to_string(s.expected);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (arg == "--devices" && has_value) {
            std::istringstream list(argv[++i]);
            for (std::string part; std::getline(list, part, ',');)
                o.devices.push_back(std::atoi(part.c_str()));
        } else if (arg == "--writes" && has_value) {
            o.writes = std::atoi(argv[++i]);
        } else if (arg == "--max-seconds" && has_value) {
            o.max_seconds = std::atoi(argv[++i]);
        } else if (arg == "--devices-per-process" && has_value) {
            o.per_process = std::atoi(argv[++i]);
        } else if (arg == "--load-rate" && has_value) {
            o.load_rate = std::atoi(argv[++i]);
        } else if (arg == "--load-connections" && has_value) {
            o.load_connections = std::atoi(argv[++i]);
        } else if (arg == "--write-timeout" && has_value) {
            o.write_timeout_ms = std::atoi(argv[++i]);
        } else if (arg == "--skip-pouchdb") {
            o.skip_pouchdb = true;
        } else if (arg == "--client-durability" && has_value) {
            o.client_durability = argv[++i];
        } else if (arg == "--dir" && has_value) {
            o.dir = argv[++i];
        } else {
            std::fprintf(stderr, "latency_bench: unknown or incomplete option '%s'\n\n%s", arg.c_str(),
                         kUsage);
            std::exit(2);
        }
    }
    if (o.devices.empty()) o.devices = {2, 10, 100};
    const bool devices_ok =
        std::all_of(o.devices.begin(), o.devices.end(), [](int n) { return n >= 2 && n <= 200; });
    if (!devices_ok || o.writes < 1 || o.writes > 100'000 || o.max_seconds < 1 || o.max_seconds > 3600 ||
        o.per_process < 1 || o.per_process > 100 || o.load_rate < 0 || o.load_connections < 1 ||
        o.load_connections > 64 || o.write_timeout_ms < 10) {
        std::fprintf(stderr,
                     "latency_bench: --devices 2..200, --writes 1..100000, --max-seconds 1..3600, "
                     "--devices-per-process 1..100, --load-rate >= 0, --load-connections 1..64, "
                     "--write-timeout >= 10\n");
        std::exit(2);
    }
    if (o.client_durability != "full" && o.client_durability != "normal") {
        std::fprintf(stderr, "latency_bench: --client-durability must be full or normal\n");
        std::exit(2);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    auto durability = [](const char* text) {
        return std::string(text) == "normal" ? core::Durability::normal : core::Durability::full;
    };
    if (argc == 5 && std::string(argv[1]) == "--writer-worker")
        return run_writer(static_cast<unsigned short>(std::atoi(argv[2])), argv[3], durability(argv[4]));
    if (argc == 8 && std::string(argv[1]) == "--receiver-worker")
        return run_receivers(static_cast<unsigned short>(std::atoi(argv[2])), argv[3], argv[4],
                             std::atoi(argv[5]), std::atoi(argv[6]), durability(argv[7]));
    if (argc == 5 && std::string(argv[1]) == "--load-worker")
        return run_load(static_cast<unsigned short>(std::atoi(argv[2])), std::atoi(argv[3]),
                        std::atoi(argv[4]));
    const Options options = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);  // a child that died shows as an error, not as our death
    const bool own_dir = options.dir.empty();
    const fs::path dir =
        own_dir ? fs::temp_directory_path() / ("synclatch-latency-bench-" + std::to_string(::getpid()))
                : fs::path(options.dir);
    fs::create_directories(dir);
    int exit_code = 0;
    try {
        std::printf(
            "latency_bench: synclatch-server on 127.0.0.1, client stores %s, %d counted writes per phase "
            "(+%d warm-up), "
            "at most %d s per phase; load: %s UpdateRecords over %d connections; data in %s\n",
            options.client_durability.c_str(), options.writes, kWarmup, options.max_seconds,
            options.load_rate > 0 ? (std::to_string(options.load_rate) + "/s").c_str() : "flat-out",
            options.load_connections, dir.c_str());
        std::fflush(stdout);
        const double load_at_start = load_average();
        std::vector<PhaseResult> ours;
        std::map<int, Layout> layouts;
        for (int n : options.devices) {
            const fs::path at = dir / ("synclatch-" + std::to_string(n));
            {
                std::fprintf(stderr, "latency_bench: %d devices: starting\n", n);
                Scenario scenario(n, at, options);
                layouts[n] = {static_cast<int>(scenario.processes()),
                              layout_of(n - 1, options.per_process).per_process};
                for (const char* phase : {"idle", "load"}) {
                    std::fprintf(stderr, "latency_bench: %d devices, %s\n", n, phase);
                    ours.push_back(scenario.run(phase));
                }
            }
            fs::remove_all(at);
        }

        std::optional<json> peer;
        if (!options.skip_pouchdb) {
            std::fprintf(stderr, "latency_bench: the same with PouchDB\n");
            peer = run_pouchdb(options);
            if (!peer) exit_code = 1;
        }

        std::printf(
            "\nlatency: write on device A -> visible in device B's local store, ms (p50 p99 max), per "
            "receiving device per write\n");
        std::printf(
            "synclatch: from A's UpdateRecords acknowledged (its sync reports the push done) to B's "
            "store commit (Dataset::on_change)\n");
        if (peer) {
            std::printf("PouchDB %s / pouchdb-server %s, Node.js %s: %s\n",
                        peer->at("pouchdb").get<std::string>().c_str(),
                        peer->at("pouchdb_server").get<std::string>().c_str(),
                        peer->at("node").get<std::string>().c_str(),
                        peer->at("timed").get<std::string>().c_str());
        }
        std::printf("\n%-24s | %-53s | %-33s | %s\n", "", "synclatch, ms", "PouchDB, ms", "load");
        std::printf("%-7s %-5s %-10s | %11s %7s %7s %7s | %7s %7s | %9s %7s %7s %7s | %s\n", "devices",
                    "phase", "receivers", "samples", "p50", "p99", "max", "put p50", "put p99", "samples",
                    "p50", "p99", "max", "req/s ours / PouchDB");
        for (const auto& r : ours) {
            const Layout& layout = layouts[r.devices];
            const std::string receivers =
                std::to_string(layout.processes) + " x " + std::to_string(layout.per_process);
            std::string peer_count = "-", peer_stats = format_stats({}), peer_load = "-";
            if (peer) {
                for (const auto& p : peer->at("runs")) {
                    if (p.at("devices").get<int>() != r.devices ||
                        p.at("phase").get<std::string>() != r.phase)
                        continue;
                    if (p.contains("skipped")) {
                        peer_stats = p.at("skipped").get<std::string>();
                        break;
                    }
                    Stats s;
                    s.samples = p.at("samples").get<std::size_t>();
                    s.expected = p.at("expected").get<std::size_t>();
                    if (s.samples > 0) {
                        s.p50 = p.at("p50").get<double>();
                        s.p99 = p.at("p99").get<double>();
                        s.max = p.at("max").get<double>();
                    }
                    peer_count = format_count(s);
                    peer_stats = format_stats(s);
                    if (r.phase == "load") {
                        char text[32];
                        std::snprintf(text, sizeof text, "%.0f", p.at("load_rate").get<double>());
                        peer_load = text;
                    }
                }
            }
            char load[64] = "";
            if (r.phase == "load")
                std::snprintf(load, sizeof load, "%.0f / %s", r.load_rate, peer_load.c_str());
            char put[48];
            std::snprintf(put, sizeof put, "%7.1f %7.1f", r.put.p50, r.put.p99);
            std::printf("%-7d %-5s %-10s | %11s %s | %s | %9s %s | %s\n", r.devices, r.phase.c_str(),
                        receivers.c_str(), format_count(r.ack).c_str(), format_stats(r.ack).c_str(), put,
                        peer_count.c_str(), peer_stats.c_str(), load);
        }
        std::printf(
            "\nsamples: received / expected (receivers x counted writes); receivers: processes x clients "
            "per process (synclatch; PouchDB the same)\n");
        for (const auto& r : ours) {
            const double syncs = static_cast<double>(r.receiver_syncs);
            std::printf(
                "  %d devices %s: A's put -> acknowledged p50 %.1f ms p99 %.1f ms; %zu samples < 0 ms (B had "
                "it before A's sync returned from the push); receivers' syncs per write and receiver %.2f, "
                "%.2f requests each%s%s\n",
                r.devices, r.phase.c_str(), r.writer_sync.p50, r.writer_sync.p99, r.ack.negative,
                syncs / std::max(1.0, static_cast<double>(r.writes_made) * (r.devices - 1)),
                static_cast<double>(r.receiver_requests) / std::max(1.0, syncs),
                r.receiver_failures > 0 ? "; receiver sync failures: " : "",
                r.receiver_failures > 0 ? std::to_string(r.receiver_failures).c_str() : "");
            if (r.load_failures > 0) exit_code = 1;
        }
        std::printf("the machine's 1-minute load average: %.2f at the start, %.2f at the end (%u cores)\n",
                    load_at_start, load_average(), std::thread::hardware_concurrency());
        for (const auto& r : ours) {
            if (r.devices == 100 && r.phase == "load") {
                std::printf("aim: p99 <= %.0f ms with 100 devices under load: %.1f ms, %s\n", kAimMs,
                            r.ack.p99,
                            r.ack.p99 <= kAimMs && r.ack.samples == r.ack.expected ? "met" : "NOT met");
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "latency_bench: %s\n", e.what());
        exit_code = 1;
    }
    if (own_dir) fs::remove_all(dir);
    return exit_code;
}
