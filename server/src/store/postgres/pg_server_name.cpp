// Claiming the server's name from its folder.
#include "store/postgres/pg_server_name.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "store/random_ids.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {

bool is_name(const std::string& text) {
    return text.size() == 16 &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

PgServerName claim_pg_server_name(const std::string& dir) {
    PgServerName claimed{random_hex(8), std::nullopt};
    if (dir.empty()) return claimed;
    const auto path = std::filesystem::path(dir) / "server-name";
    auto lock = DatabaseLock::acquire(path.string());
    if (!lock.ok()) return claimed;  // another server runs on this folder
    std::string kept;
    std::ifstream(path) >> kept;
    if (!is_name(kept)) {
        // First start: the name is written whole (a new file renamed over) or not at all.
        const auto fresh = path.string() + ".new";
        std::ofstream(fresh) << claimed.name << '\n';
        std::error_code renamed;
        std::filesystem::rename(fresh, path, renamed);
        if (renamed) {
            log(LogLevel::warn, "cannot keep the server's name in " + path.string() + ": " +
                                    renamed.message() +
                                    " (after a crash, its processors wait for their leases)");
            return claimed;
        }
        kept = claimed.name;
    }
    return {kept, std::move(lock).value()};
}

}  // namespace synclatch::server
