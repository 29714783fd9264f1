// The import-cognito subcommand's options, credentials, store, progress line and report.
#include "import_cognito_command.hpp"

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "import/aws_credentials.hpp"
#include "import/cognito_import.hpp"
#include "import/import_verification.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_storage.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/platform/beast_http_client.hpp"

namespace synclatch::server {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) {
    g_stop.store(true);
}

// The first Ctrl-C (or SIGTERM) stops the import between two datasets; a second one, with the default
// action restored, ends the process at once (nothing is lost either way: each dataset is one transaction).
void catch_stop_signals() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

std::string duration_text(double seconds) {
    const auto total = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, (total % 3600) / 60);
    else if (total >= 60)
        std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
    else
        std::snprintf(text, sizeof text, "%llds", total);
    return text;
}

std::string megabytes(std::int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return text;
}

// One line on stderr, rewritten in place on a terminal, else printed every few seconds.
class ProgressLine {
  public:
    explicit ProgressLine(bool quiet) : quiet_(quiet), terminal_(isatty(STDERR_FILENO) == 1) {}

    void import(const ImportProgress& p, const CognitoSource& source) {
        const double seconds = elapsed();
        std::string line = "identities " + std::to_string(p.identities) + " · datasets " +
                           std::to_string(p.datasets) + " (copied " + std::to_string(p.datasets_copied) +
                           ", unchanged " + std::to_string(p.datasets_unchanged) + ") · records " +
                           std::to_string(p.records) + " · " + megabytes(p.bytes);
        if (p.pool_bytes > 0) {
            line += " of " + megabytes(p.pool_bytes);
            if (p.bytes > 0 && p.bytes < p.pool_bytes && seconds > 1) {
                const double left =
                    seconds * static_cast<double>(p.pool_bytes - p.bytes) / static_cast<double>(p.bytes);
                line += " · ETA " + duration_text(left);
            }
        }
        if (source.counters().throttled > 0)
            line += " · throttled " + std::to_string(source.counters().throttled);
        show(line, seconds);
    }

    void verify(const VerificationReport& r) {
        show("verifying: identities " + std::to_string(r.identities) + " · datasets " +
                 std::to_string(r.datasets) + " · differences " + std::to_string(r.differences.total),
             elapsed());
    }

    void end() {
        if (!quiet_ && terminal_ && shown_) std::fputc('\n', stderr);
        shown_ = false;
    }

  private:
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    }
    void show(const std::string& line, double seconds) {
        if (quiet_) return;
        if (terminal_) {
            std::fprintf(stderr, "\r%s (%s)\033[K", line.c_str(), duration_text(seconds).c_str());
            shown_ = true;
        } else if (seconds - last_printed_ >= 5) {
            std::fprintf(stderr, "%s (%s)\n", line.c_str(), duration_text(seconds).c_str());
            last_printed_ = seconds;
        }
        std::fflush(stderr);
    }

    const bool quiet_;
    const bool terminal_;
    bool shown_ = false;
    double last_printed_ = 0;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

Result<std::unique_ptr<Storage>> open_target(const std::string& data, const std::string& store) {
    // With --store, --data plays no part.
    if (!store.empty()) {
        PgStorageOptions options;
        options.url = store;
        options.server_dir = "";  // not a server: a random name, and nothing written to a --data folder
        auto opened = PgStorage::open(options);
        if (!opened.ok()) return opened.status();
        return std::unique_ptr<Storage>(std::move(opened).value());
    }
    std::error_code made;
    std::filesystem::create_directories(data, made);
    if (made) return Status{Errc::storage, "cannot create " + data + ": " + made.message()};
    SqliteStorageOptions options;
    options.path = (std::filesystem::path(data) / "synclatch-server.db").string();
    auto opened = SqliteStorage::open(options);
    if (!opened.ok()) {
        if (opened.status().code() == Errc::conflict)
            return Status{Errc::conflict,
                          opened.status().message() + " (stop the server on " + data + " first)"};
        return opened.status();
    }
    return std::unique_ptr<Storage>(std::move(opened).value());
}

Result<sync::Endpoint> endpoint_option(const std::string& given, const sync::Endpoint& fallback) {
    if (given.empty()) return fallback;
    return sync::parse_endpoint(given);
}

int failed(const std::string& what, const Status& status) {
    std::fprintf(stderr, "synclatch-server import-cognito: %s: %s\n", what.c_str(),
                 status.to_string().c_str());
    return 1;
}

void print_source_requests(const CognitoSource& source) {
    std::printf("source requests: %lld (retried %lld, throttled %lld)\n",
                static_cast<long long>(source.counters().requests),
                static_cast<long long>(source.counters().retried),
                static_cast<long long>(source.counters().throttled));
}

void print_report(const ImportReport& report, const CognitoSource& source, bool dry_run) {
    const auto& t = report.totals;
    std::printf(
        "%s%s: %lld identities, %lld datasets (%s %lld, unchanged %lld, removed %lld), %lld records\n",
        dry_run ? "dry run" : "import", report.finished ? "" : " (stopped)",
        static_cast<long long>(t.identities), static_cast<long long>(t.datasets),
        dry_run ? "to copy" : "copied", static_cast<long long>(t.datasets_copied),
        static_cast<long long>(t.datasets_unchanged), static_cast<long long>(t.datasets_removed),
        static_cast<long long>(t.records));
    print_source_requests(source);
    for (const auto& what : report.refused.shown)
        std::printf("left as it was: %s\n", what.c_str());
    if (report.refused.not_shown() > 0)
        std::printf("left as it was: %lld more\n", static_cast<long long>(report.refused.not_shown()));
    for (const auto& note : report.notes.shown)
        std::printf("note: %s\n", note.c_str());
    if (report.notes.not_shown() > 0)
        std::printf("note: %lld more\n", static_cast<long long>(report.notes.not_shown()));
}

}  // namespace

int run_import_cognito_command(int argc, char** argv) {
    CLI::App app{
        "synclatch-server import-cognito: copies an Amazon Cognito Sync identity pool into this server's "
        "store "
        "over the public Cognito Identity and Cognito Sync APIs, signed with your developer credentials "
        "(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or --profile). Identities keep "
        "their "
        "ids (so devices that cached theirs carry on) and developer user identifiers; datasets and records "
        "keep "
        "their sync counts, dates and authors, removed records as tombstones; the pool's PushSync and "
        "CognitoStreams configuration comes along. Safe on a live pool: stop it at any time (Ctrl-C) and run "
        "it "
        "again to resume; a later run copies only datasets that changed at the source since (a catch-up), "
        "and "
        "never overwrites one written on the target since. Ends by reading every dataset from both sides and "
        "printing any difference. With --data, stop the server first; with --store, servers may run.\n"
        "docs/migrating-from-cognito.md walks through the cut-over.",
        "synclatch-server import-cognito"};
    std::string pool, data = "./synclatch-data", store, region, endpoint, identity_endpoint, sync_endpoint,
                      profile, ca_file;
    double rate = 10;
    bool dry_run = false, restart = false, no_verify = false, verify_only = false, quiet = false;
    app.add_option("--pool", pool, "the identity pool id, REGION:UUID")->required();
    app.add_option("--data", data, "the target server's --data folder (its embedded store)")
        ->capture_default_str();
    app.add_option("--store", store,
                   "the target PostgreSQL database instead (a password belongs in "
                   "$SYNCLATCH_STORE, not on the command line)")
        ->envname("SYNCLATCH_STORE");
    app.add_option("--region", region, "the source's region (default: the pool id's)");
    auto* one = app.add_option("--endpoint", endpoint,
                               "one URL serving both APIs (a synclatch-server, for a test or a move between "
                               "servers) instead of AWS's regional endpoints");
    app.add_option("--identity-endpoint", identity_endpoint,
                   "the Cognito Identity endpoint (default https://cognito-identity.REGION.amazonaws.com)")
        ->excludes(one);
    app.add_option("--sync-endpoint", sync_endpoint,
                   "the Cognito Sync endpoint (default https://cognito-sync.REGION.amazonaws.com)")
        ->excludes(one);
    app.add_option("--profile", profile,
                   "a profile of the shared credentials file instead of the environment's keys");
    app.add_option("--ca-file", ca_file,
                   "PEM file of the CAs trusted for the source (default: the system's)");
    app.add_option("--requests-per-second", rate,
                   "the most requests sent to the source per second, retries included (AWS throttles each "
                   "operation at a few to a few dozen a second per account; throttled requests are retried "
                   "with jittered backoff)")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 10000.0));
    long first_retry_ms = 200;
    app.add_option("--first-retry-ms", first_retry_ms,
                   "the longest wait before the first retry of a throttled or failed request; each later "
                   "retry may wait twice as long as the one before, at most 20 s (the wait is random up to "
                   "that, so that importers throttled together do not come back together)")
        ->capture_default_str()
        ->check(CLI::Range(1L, 20'000L));
    app.add_flag("--dry-run", dry_run, "read the source and count what would be copied; write nothing");
    app.add_flag("--restart", restart,
                 "start from the first identity even if the last run was stopped midway");
    app.add_flag("--no-verify", no_verify, "skip the final comparison of every dataset");
    app.add_flag("--verify-only", verify_only, "only compare the source and the target");
    app.add_flag("--quiet", quiet, "no progress line");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (Status s = core::validate_identity_pool_id(pool); !s.ok()) {
        std::fprintf(stderr, "synclatch-server import-cognito: --pool: %s\n", s.message().c_str());
        return 2;
    }
    if (!store.empty() && !is_pg_conninfo(store)) {
        std::fprintf(
            stderr,
            "synclatch-server import-cognito: --store must be a postgresql:// URL or a libpq key=value "
            "string\n");
        return 2;
    }
    if (region.empty()) region = pool.substr(0, pool.find(':'));
    auto identity_at =
        endpoint_option(!endpoint.empty() ? endpoint : identity_endpoint, aws_identity_endpoint(region));
    auto sync_at = endpoint_option(!endpoint.empty() ? endpoint : sync_endpoint, aws_sync_endpoint(region));
    if (!identity_at.ok() || !sync_at.ok()) {
        std::fprintf(stderr, "synclatch-server import-cognito: an endpoint: %s\n",
                     (!identity_at.ok() ? identity_at.status() : sync_at.status()).message().c_str());
        return 2;
    }
    auto credentials = find_aws_credentials(profile, process_environment());
    if (!credentials.ok()) return failed("credentials", credentials.status());

    sync::HttpClientOptions http_options;
    http_options.ca_file = ca_file;
    http_options.user_agent = "synclatch-server import-cognito";
    // A ListRecords page holds at most a dataset (1 MB of keys and values) and its records' metadata.
    http_options.max_response_bytes = 8 * 1024 * 1024;
    auto http_identity = platform::open_http_client(*identity_at, http_options);
    if (!http_identity.ok()) return failed("the Cognito Identity endpoint", http_identity.status());
    auto http_sync = platform::open_http_client(*sync_at, http_options);
    if (!http_sync.ok()) return failed("the Cognito Sync endpoint", http_sync.status());

    auto target = open_target(data, store);
    if (!target.ok())
        return failed(
            store.empty() ? "cannot open the store in " + data : "cannot open " + pg_conninfo_for_logs(store),
            target.status());

    catch_stop_signals();
    CognitoSourceOptions source_options;
    source_options.pool_id = pool;
    source_options.region = region;
    source_options.identity_endpoint = *identity_at;
    source_options.sync_endpoint = *sync_at;
    source_options.credentials = credentials->credentials;
    source_options.requests_per_second = rate;
    source_options.first_backoff = std::chrono::milliseconds(first_retry_ms);
    source_options.stop_requested = [] { return g_stop.load(); };
    CognitoSource source(**http_identity, **http_sync, source_options);
    ProgressLine progress(quiet);
    std::fprintf(stderr, "importing pool %s from %s (Cognito Sync %s) with the credentials of %s into %s\n",
                 pool.c_str(), identity_at->url().c_str(), sync_at->url().c_str(),
                 credentials->origin.c_str(),
                 store.empty() ? data.c_str() : pg_conninfo_for_logs(store).c_str());

    if (!verify_only) {
        ImportOptions options;
        options.dry_run = dry_run;
        options.restart = restart;
        options.stop_requested = [] { return g_stop.load(); };
        options.progress = [&](const ImportProgress& p) { progress.import(p, source); };
        auto report = import_pool(source, **target, options);
        progress.end();
        if (!report.ok()) {
            if (report.status().code() == Errc::cancelled || g_stop.load()) {
                std::printf("stopped: run the same command again to resume\n");
                return 3;
            }
            return failed(dry_run ? "the dry run failed" : "the import stopped (run it again to resume)",
                          report.status());
        }
        if (report->resumed) {
            std::printf(
                "resumed the run that was stopped after %lld identities; the counts below are this run's\n",
                static_cast<long long>(report->identities_before));
        }
        print_report(*report, source, dry_run);
        if (!report->finished) {
            std::printf("stopped: run the same command again to resume\n");
            return 3;
        }
        if (dry_run || no_verify) return report->refused.empty() ? 0 : 1;
    }

    VerificationOptions verify_options;
    verify_options.stop_requested = [] { return g_stop.load(); };
    verify_options.progress = [&](const VerificationReport& r) { progress.verify(r); };
    auto verified = verify_import(source, **target, verify_options);
    progress.end();
    if (!verified.ok()) return failed("the verification failed", verified.status());
    if (!verified->complete) {
        std::printf("verification stopped before the last identity\n");
        return 3;
    }
    for (const auto& difference : verified->differences.shown) {
        std::printf("difference: %s%s%s: %s\n", difference.identity_id.c_str(),
                    difference.dataset.empty() ? "" : " dataset ", difference.dataset.c_str(),
                    difference.what.c_str());
    }
    if (verified->differences.not_shown() > 0)
        std::printf("difference: %lld more\n", static_cast<long long>(verified->differences.not_shown()));
    if (verify_only) print_source_requests(source);
    std::printf("verified: %lld identities, %lld datasets, %lld records; %lld differences%s\n",
                static_cast<long long>(verified->identities), static_cast<long long>(verified->datasets),
                static_cast<long long>(verified->records),
                static_cast<long long>(verified->differences.total),
                verified->differences.empty() ? ""
                                              : " (datasets written at the source since they were copied: "
                                                "run the import again to catch up)");
    return verified->differences.empty() ? 0 : 1;
}

}  // namespace synclatch::server
