// One PostgreSQL database per data folder, made on first use.
#include "support/test_store.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>

#include "support/numbered.hpp"
#include "support/postgres_cluster.hpp"

namespace synclatch::test {

bool servers_on_postgres() {
    const char* store = std::getenv("SYNCLATCH_TEST_STORE");
    return store != nullptr && std::string_view(store) == "postgresql";
}

std::string test_store_for(const std::string& data_dir) {
    if (!servers_on_postgres()) return {};
    static std::mutex mutex;
    static std::map<std::string, std::string> databases;  // by data folder
    std::lock_guard lock(mutex);
    auto [at, made] = databases.try_emplace(data_dir);
    if (made) at->second = PostgresCluster::shared().create_database(numbered("server", databases.size()));
    return at->second;
}

}  // namespace synclatch::test
