// server_bench: synclatch-server under load from a C++ client over keep-alive connections, beside a
// static-response baseline measured in the same run; with --stores, the same load on the embedded store
// and on PostgreSQL (one server, and two servers sharing one database) in one run.
//
// The server is the real binary, started on a fresh data dir with durable commits (synchronous=FULL; on
// PostgreSQL, a private PostgreSQL 15 cluster with fsync on and synchronous_commit on, its defaults).
// Each connection acts as its own identity (GetId + GetCredentialsForIdentity) and signs every request
// with SigV4, as an SDK would. Phases, each for a fixed time over all connections:
//   static         GET /healthz: a fixed answer, the ceiling of this HTTP stack on this machine
//   UpdateRecords  one record (100-byte value) per request, each acknowledged only once durable
//   ListRecords    the connection's dataset (that one record)
// Client and server share the machine, so the client's own cost is part of every figure alike.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using namespace synclatch;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr const char* kUsage =
    R"(usage: server_bench [--connections N] [--seconds S] [--rounds R] [--threads T] [--client-threads C]
                    [--dir PATH] [--stores LIST] [--server-flag F]...

Loads a real synclatch-server over keep-alive connections, one identity per connection, SigV4 on:
  static          GET /healthz, a fixed answer: the baseline, measured in the same run
  UpdateRecords   one record per request, durable    (aim: >= 15,000 req/s on 2 cores)
  ListRecords     the connection's one-record dataset (aim: >= 50% of the baseline)
The phases take turns for R rounds (each round starts with the static baseline, then the
others); each phase reports its median round: req/s, p50 and p99 latency.
With --stores, each round runs every phase on every store in turn, so that the stores are compared
under the same conditions:
  sqlite      one server on the embedded store (the default)
  postgres    one server on PostgreSQL (a private cluster this program starts and removes)
  postgres2   two servers on one PostgreSQL database, the connections split between them

  --connections N      client connections (default 64)
  --seconds S          length of each phase in each round (default 10)
  --rounds R           rounds (default 3)
  --threads T          the server's --threads (default: the server's default)
  --client-threads C   threads of this load client (default 1)
  --dir PATH           the servers' data dirs go here (default: a new temp folder, removed after)
  --stores LIST        comma-separated: sqlite, postgres, postgres2 (default: sqlite)
  --server-flag F      pass F to synclatch-server (repeatable), e.g. --server-flag --no-data-lake
  --help               show this text
)";

struct Options {
    int connections = 64;
    int seconds = 10;
    std::string threads;
    int client_threads = 1;
    int rounds = 3;
    std::string dir;
    std::vector<std::string> server_flags;
    std::vector<std::string> stores = {"sqlite"};
};

enum class Phase { static_response, update_records, list_records };

struct Connection {
    unsigned short port = 0;  // the server this connection talks to
    std::string identity;
    sync::sigv4::Credentials credentials;
    std::optional<sync::sigv4::Signer> signer;  // keeps the day's signing key, as an SDK does
    std::string session_token;
    std::int64_t sync_count = 0;  // of the connection's one record
    std::vector<double> latencies_ms;
    long failures = 0;
};

struct PhaseResult {
    const char* name;
    double requests_per_second = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    long failures = 0;
};

const std::string& value_100() {
    static const std::string value(100, 'v');
    return value;
}

http::request<http::string_body> make_request(Phase phase, Connection& c, const std::string& amz_date) {
    sync::sigv4::Request wire;
    const std::string path = test::dataset_path(c.identity, "bench");
    switch (phase) {
        case Phase::static_response:
            wire.method = "GET";
            wire.path = "/healthz";
            break;
        case Phase::update_records:
            wire.method = "POST";
            wire.path = path;
            // Written out rather than built with nlohmann: the load client should spend little CPU.
            wire.body = R"({"SyncSessionToken":")" + c.session_token +
                        R"(","RecordPatches":[{"Op":"replace","Key":"k","Value":")" + value_100() +
                        R"(","SyncCount":)" + std::to_string(c.sync_count) + "}]}";
            break;
        case Phase::list_records:
            wire.method = "GET";
            wire.path = path + "/records";
            wire.query = "lastSyncCount=0&maxResults=1024";
            break;
    }
    wire.headers = {{"Host", "127.0.0.1:" + std::to_string(c.port)}};
    if (wire.method == "POST") wire.headers.emplace_back("Content-Type", "application/json");
    if (phase != Phase::static_response) c.signer->sign(wire, amz_date);
    http::request<http::string_body> request(
        http::string_to_verb(wire.method), wire.query.empty() ? wire.path : wire.path + "?" + wire.query, 11);
    for (const auto& [name, value] : wire.headers)
        request.set(name, value);
    request.body() = std::move(wire.body);
    request.prepare_payload();
    request.keep_alive(true);
    return request;
}

// The SyncCount of the one record an UpdateRecords answer holds (found without a full parse).
std::int64_t sync_count_of(const std::string& body) {
    const auto at = body.find("\"SyncCount\":");
    if (at == std::string::npos) throw std::runtime_error("no SyncCount in " + body);
    return std::strtoll(body.c_str() + at + 12, nullptr, 10);
}

// One connection's loop: a request, its answer, again, until the deadline.
asio::awaitable<void> drive(Phase phase, Connection& c, Clock::time_point deadline,
                            const std::string& amz_date) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), c.port),
                                  asio::use_awaitable);
    stream.socket().set_option(asio::ip::tcp::no_delay(true));
    beast::flat_buffer buffer;
    buffer.reserve(8 * 1024);  // one recv per response
    while (Clock::now() < deadline) {
        auto request = make_request(phase, c, amz_date);
        const auto start = Clock::now();
        co_await http::async_write(stream, request, asio::use_awaitable);
        http::response<http::string_body> response;
        co_await http::async_read(stream, buffer, response, asio::use_awaitable);
        c.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (response.result() != http::status::ok) {
            ++c.failures;
            if (c.failures == 1)
                std::fprintf(stderr, "  first failure: %u %s\n", response.result_int(),
                             response.body().c_str());
            continue;
        }
        if (phase == Phase::update_records) c.sync_count = sync_count_of(response.body());
    }
}

PhaseResult run_phase(const char* name, Phase phase, std::vector<Connection>& connections, int seconds,
                      int client_threads) {
    for (auto& c : connections) {
        c.latencies_ms.clear();
        c.failures = 0;
    }
    std::vector<asio::io_context> ios(static_cast<std::size_t>(client_threads));
    const std::string amz_date = test::amz_date_now();  // valid for the server's 15-minute skew window
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(seconds);
    for (std::size_t i = 0; i < connections.size(); ++i) {
        auto& io = ios[i % ios.size()];
        asio::co_spawn(io, drive(phase, connections[i], deadline, amz_date), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::fprintf(stderr, "  a connection failed: %s\n", ex.what());
            }
        });
    }
    std::vector<std::thread> threads;
    for (auto& io : ios)
        threads.emplace_back([&io] { io.run(); });
    for (auto& t : threads)
        t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<double> all;
    PhaseResult result{name};
    for (const auto& c : connections) {
        all.insert(all.end(), c.latencies_ms.begin(), c.latencies_ms.end());
        result.failures += c.failures;
    }
    std::sort(all.begin(), all.end());
    const auto ok = static_cast<double>(all.size()) - static_cast<double>(result.failures);
    result.requests_per_second = ok / elapsed;
    if (!all.empty()) {
        result.p50_ms = all[all.size() / 2];
        result.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    }
    return result;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (arg == "--connections" && has_value) {
            o.connections = std::atoi(argv[++i]);
        } else if (arg == "--seconds" && has_value) {
            o.seconds = std::atoi(argv[++i]);
        } else if (arg == "--threads" && has_value) {
            o.threads = argv[++i];
        } else if (arg == "--rounds" && has_value) {
            o.rounds = std::atoi(argv[++i]);
        } else if (arg == "--client-threads" && has_value) {
            o.client_threads = std::atoi(argv[++i]);
        } else if (arg == "--dir" && has_value) {
            o.dir = argv[++i];
        } else if (arg == "--server-flag" && has_value) {
            o.server_flags.push_back(argv[++i]);
        } else if (arg == "--stores" && has_value) {
            o.stores.clear();
            std::istringstream list(argv[++i]);
            for (std::string store; std::getline(list, store, ',');) {
                if (store != "sqlite" && store != "postgres" && store != "postgres2") {
                    std::fprintf(stderr,
                                 "server_bench: --stores: unknown store '%s' (sqlite, postgres, postgres2)\n",
                                 store.c_str());
                    std::exit(2);
                }
                o.stores.push_back(store);
            }
        } else {
            std::fprintf(stderr, "server_bench: unknown or incomplete option '%s'\n\n%s", arg.c_str(),
                         kUsage);
            std::exit(2);
        }
    }
    if (o.connections < 1 || o.connections > 1000 || o.seconds < 1 || o.seconds > 600 ||
        o.client_threads < 1 || o.client_threads > 16 || o.rounds < 1 || o.rounds > 20) {
        std::fprintf(stderr,
                     "server_bench: --connections must be 1..1000, --seconds 1..600, --client-threads 1..16, "
                     "--rounds 1..20\n");
        std::exit(2);
    }
    return o;
}

// One store under test: its servers, and the connections (one identity each) spread over them.
struct Deployment {
    std::string store;
    std::vector<std::unique_ptr<test::ServerProcess>> servers;
    std::vector<Connection> connections;
};

Deployment start_deployment(const std::string& store, const Options& options, const fs::path& dir,
                            std::optional<test::PostgresCluster>& cluster) {
    Deployment d{store, {}, {}};
    std::vector<std::string> args;
    if (!options.threads.empty()) args = {"--threads", options.threads};
    args.insert(args.end(), options.server_flags.begin(), options.server_flags.end());
    int servers = 1;
    if (store != "sqlite") {
        if (!cluster) cluster.emplace();
        args.push_back("--store");
        args.push_back(cluster->create_database(store == "postgres" ? "bench_one" : "bench_two"));
        if (store == "postgres2") servers = 2;
    }
    for (int i = 0; i < servers; ++i)
        d.servers.push_back(
            std::make_unique<test::ServerProcess>((dir / (store + std::to_string(i))).string(), args));
    // One identity per connection, each with a session token and its one record written once.
    d.connections.resize(static_cast<std::size_t>(options.connections));
    test::HttpClient setup(d.servers[0]->port());
    for (std::size_t i = 0; i < d.connections.size(); ++i) {
        auto& c = d.connections[i];
        c.port = d.servers[i % d.servers.size()]->port();
        std::tie(c.identity, c.credentials) = test::new_identity(setup);
        c.signer.emplace(c.credentials, "us-east-1", "cognito-sync");
        auto listed =
            setup.send("GET", test::dataset_path(c.identity, "bench") + "/records", "", c.credentials);
        c.session_token = listed.json().at("SyncSessionToken").get<std::string>();
    }
    return d;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    const bool own_dir = options.dir.empty();
    const fs::path dir =
        own_dir ? fs::temp_directory_path() / ("synclatch-server-bench-" + std::to_string(::getpid()))
                : fs::path(options.dir);
    fs::create_directories(dir);
    int exit_code = 0;
    try {
        std::optional<test::PostgresCluster> cluster;  // started for the first PostgreSQL store
        std::vector<Deployment> deployments;
        for (const auto& store : options.stores)
            deployments.push_back(start_deployment(store, options, dir, cluster));
        std::printf("server_bench: %d connections, %d s per phase, servers' data in %s\n",
                    options.connections, options.seconds, dir.c_str());

        // The phases (and stores) take turns, round after round, so that a slow spell of a shared machine
        // hits them alike; each phase reports its median round.
        const std::pair<const char*, Phase> phases[] = {{"static (GET /healthz)", Phase::static_response},
                                                        {"UpdateRecords (1 record)", Phase::update_records},
                                                        {"ListRecords (1 record)", Phase::list_records}};
        std::vector<std::vector<std::vector<PhaseResult>>> rounds(
            deployments.size(), std::vector<std::vector<PhaseResult>>(std::size(phases)));
        for (int round = 1; round <= options.rounds; ++round) {
            for (std::size_t d = 0; d < deployments.size(); ++d) {
                std::printf("round %d of %d, %s:", round, options.rounds, deployments[d].store.c_str());
                for (std::size_t p = 0; p < std::size(phases); ++p) {
                    rounds[d][p].push_back(run_phase(phases[p].first, phases[p].second,
                                                     deployments[d].connections, options.seconds,
                                                     options.client_threads));
                    std::printf("  %.0f", rounds[d][p].back().requests_per_second);
                    std::fflush(stdout);
                }
                std::printf(" req/s\n");
            }
        }
        for (std::size_t d = 0; d < deployments.size(); ++d) {
            std::vector<PhaseResult> results;
            for (auto& of_phase : rounds[d]) {
                long failures = 0;
                for (const auto& r : of_phase)
                    failures += r.failures;
                std::sort(of_phase.begin(), of_phase.end(), [](const PhaseResult& a, const PhaseResult& b) {
                    return a.requests_per_second < b.requests_per_second;
                });
                results.push_back(of_phase[of_phase.size() / 2]);
                results.back().failures = failures;
            }
            std::printf("\n%s (%zu server%s), median of %d rounds:\n%-26s %12s %10s %10s %9s\n",
                        deployments[d].store.c_str(), deployments[d].servers.size(),
                        deployments[d].servers.size() == 1 ? "" : "s", options.rounds, "phase", "req/s",
                        "p50 ms", "p99 ms", "failures");
            for (const auto& r : results) {
                std::printf("%-26s %12.0f %10.2f %10.2f %9ld\n", r.name, r.requests_per_second, r.p50_ms,
                            r.p99_ms, r.failures);
            }
            const double baseline = results[0].requests_per_second;
            std::printf("UpdateRecords: %.0f req/s durable (aim on the embedded store >= 15000)\n",
                        results[1].requests_per_second);
            std::printf("ListRecords: %.1f%% of the static baseline (aim >= 50%%)\n",
                        baseline > 0 ? 100.0 * results[2].requests_per_second / baseline : 0.0);
            for (const auto& r : results) {
                if (r.failures > 0) exit_code = 1;  // a failed request makes the figures meaningless
            }
        }
        for (auto& d : deployments)
            for (auto& server : d.servers)
                server->terminate();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "server_bench: %s\n", e.what());
        exit_code = 1;
    }
    if (own_dir) fs::remove_all(dir);
    return exit_code;
}
