// The rotate-signing-key subcommand: in the database for servers on PostgreSQL, in --data's files for a
// server on its embedded store.
#include "rotate_signing_key_command.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "auth/open_id_tokens.hpp"
#include "auth/shared_signing_keys.hpp"
#include "auth/signing_key_file.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_signing_keys.hpp"

namespace synclatch::server {

namespace {

int fail(const Status& status) {
    std::fprintf(stderr, "synclatch-server rotate-signing-key: %s; nothing was changed\n",
                 status.to_string().c_str());
    return 1;
}

int rotate_in_database(const std::string& url) {
    auto made = generate_signing_key();
    if (!made) return fail(made.status());
    auto pem = signing_key_pem(*made);
    if (!pem) return fail(pem.status());
    auto conn = PgConnection::open(url);
    if (!conn) return fail(conn.status());
    if (Status rotated = pg_rotate_signing_key(*conn, *pem); !rotated) return fail(rotated);
    std::printf(
        "rotated in %s: new tokens are signed with key %s; the previous key is still accepted. Every "
        "running server takes the new key within %lld s. Rotate again once the longest token lifetime "
        "(%lld s) has passed to drop the old key.\n",
        pg_conninfo_for_logs(url).c_str(), made->public_key.kid.c_str(),
        static_cast<long long>(SharedSigningKeys::kRefreshEvery.count()),
        static_cast<long long>(OpenIdTokens::kMaxLifetimeMs / 1000));
    return 0;
}

int rotate_in_files(const std::filesystem::path& data_dir) {
    const auto current = data_dir / OpenIdTokens::kKeyFile;
    const auto previous = data_dir / OpenIdTokens::kPreviousKeyFile;
    auto existing = read_signing_key(current);
    if (!existing) return fail(existing.status());
    if (!*existing) return fail({Errc::not_found, current.string() + " does not exist: no key to rotate"});
    if (std::rename(current.c_str(), previous.c_str()) != 0)
        return fail({Errc::storage, "cannot rename " + current.string() + ": " + std::strerror(errno)});
    auto made = read_or_create_signing_key(current);
    if (!made) {
        std::rename(previous.c_str(), current.c_str());  // the old key back where it was
        return fail(made.status());
    }
    std::printf(
        "rotated in %s: the new key %s signs once the server restarts; key %s is kept as the previous one "
        "(accepted, not used to sign).\n",
        data_dir.c_str(), made->public_key.kid.c_str(), (*existing)->public_key.kid.c_str());
    return 0;
}

}  // namespace

int run_rotate_signing_key_command(int argc, char** argv) {
    CLI::App app{
        "synclatch-server rotate-signing-key: makes a new OpenID signing key (the key of GetOpenIdToken's "
        "tokens and of /.well-known/jwks.json); the current key becomes the previous one, still published "
        "and accepted but never used to sign, and the previous one is dropped. Tokens already issued stay "
        "valid until they expire as long as their key is the current or the previous one: rotate again "
        "only after the longest token lifetime (a day) has passed.\n"
        "With --store, the servers on that PostgreSQL database take the new key while they run. With "
        "--data, a server on its embedded store takes it when it restarts.",
        "synclatch-server rotate-signing-key"};
    std::string store, data;
    auto* store_option = app.add_option("--store", store,
                                        "the servers' PostgreSQL database (a password belongs in "
                                        "$SYNCLATCH_STORE, not on the command line)")
                             ->envname("SYNCLATCH_STORE");
    auto* data_option = app.add_option("--data", data, "the --data folder of a server on its embedded store");
    store_option->excludes(data_option);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!store.empty()) {
        if (!is_pg_conninfo(store)) {
            std::fprintf(stderr,
                         "synclatch-server rotate-signing-key: --store must be a postgresql:// URL or a "
                         "libpq key=value string\n");
            return 2;
        }
        return rotate_in_database(store);
    }
    if (data.empty()) {
        std::fprintf(stderr, "synclatch-server rotate-signing-key: give --store or --data (see --help)\n");
        return 2;
    }
    return rotate_in_files(data);
}

}  // namespace synclatch::server
