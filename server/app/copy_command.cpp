// The copy subcommand's options, progress and report.
#include "copy_command.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "auth/shared_signing_keys.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_store_copy.hpp"

namespace synclatch::server {

int run_copy_command(int argc, char** argv) {
    CLI::App app{
        "synclatch-server copy: moves a deployment from its embedded store into PostgreSQL. Copies every "
        "identity, credential, login, dataset and record (with its sync count and version), the event "
        "streams with their sequence numbers and consumer checkpoints, devices, pools with their "
        "configuration, the deployment id, the server secret and the OpenID signing keys, then reads both "
        "back and compares row "
        "counts and a SHA-256 of every table. The copy is one transaction: one that fails or does not "
        "verify leaves the target as it was.\n"
        "Stop the server first (a running server's store is refused). The target must be a new database: "
        "one a server has started on is refused. Afterwards start the servers with --store and the same "
        "URL (docs/server.md, \"PostgreSQL\").",
        "synclatch-server copy"};
    std::string from, to;
    app.add_option("--from", from, "the server's --data folder (its synclatch-server.db is copied)")
        ->required();
    app.add_option("--to", to,
                   "the PostgreSQL database: postgresql://USER@HOST:PORT/DATABASE or a libpq key=value "
                   "string (a password belongs in $SYNCLATCH_STORE, not on the command line)")
        ->envname("SYNCLATCH_STORE")
        ->required();
    bool quiet = false;
    app.add_flag("--quiet", quiet, "no progress lines, only the result");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!is_pg_conninfo(to)) {
        std::fprintf(stderr,
                     "synclatch-server copy: --to must be a postgresql:// URL or a libpq key=value "
                     "string\n");
        return 2;
    }

    const auto path = (std::filesystem::path(from) / "synclatch-server.db").string();
    const auto started = std::chrono::steady_clock::now();
    std::fprintf(stderr, "copying %s into %s\n", path.c_str(), pg_conninfo_for_logs(to).c_str());
    const StoreCopyProgress progress = [&](const std::string& table, std::int64_t done, std::int64_t total) {
        if (quiet) return;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::fprintf(stderr, "  %-26s %12lld / %lld rows (%.1f s)\n", table.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total), seconds);
    };
    auto keys = read_signing_key_files(from);
    if (!keys.ok()) {
        std::fprintf(stderr, "synclatch-server copy: the OpenID signing keys: %s; nothing was copied\n",
                     keys.status().to_string().c_str());
        return 1;
    }
    auto copied = copy_sqlite_store_to_postgres(path, to, *keys, progress);
    if (!copied.ok()) {
        std::fprintf(stderr, "synclatch-server copy: %s; nothing was copied\n",
                     copied.status().to_string().c_str());
        return 1;
    }
    std::printf("%-26s %12s  %s\n", "table", "rows", "SHA-256 of the rows (source = copy)");
    for (const auto& table : copied->tables) {
        const bool same = table.source_sha256 == table.target_sha256;
        std::printf("%-26s %12lld  %s%s%s\n", table.table.c_str(), static_cast<long long>(table.rows),
                    table.source_sha256.c_str(), same ? "" : " != ", same ? "" : table.target_sha256.c_str());
    }
    if (!copied->verified) {
        std::printf("the copy does not match its source: rolled back, nothing was copied\n");
        return 1;
    }
    std::printf(
        "verified: every table's rows and checksum match; stream sequence continues after %lld, "
        "the latch clock after %lld (%.1f s)\n",
        static_cast<long long>(copied->stream_seq), static_cast<long long>(copied->latch_clock),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (copied->signing_keys_copied)
        std::printf("the OpenID signing keys of %s were stored with it: tokens they signed stay valid\n",
                    from.c_str());
    return 0;
}

}  // namespace synclatch::server
