// A name for one server among those of a database that survives its restarts, so that a server restarted
// after a crash takes its processors' leases back at once instead of waiting for them to run out. It is
// kept in a folder of the server's own (--data/server-name) and is this process's only while it holds
// --data/server-name.lock (an flock, released by the kernel however the process ends): a second server
// started on the same folder gets a random name, and waits for leases like any other server.
#pragma once

#include <optional>
#include <string>

#include "store/sqlite/database_lock.hpp"

namespace synclatch::server {

struct PgServerName {
    std::string name;                  // hex; stable across restarts when `lock` is held
    std::optional<DatabaseLock> lock;  // held for as long as the name is in use
};

// Never fails: without a folder, or when the name cannot be claimed or kept, the name is random.
PgServerName claim_pg_server_name(const std::string& dir);

}  // namespace synclatch::server
