// Opening the store of a test's server.
#include "support/open_test_store.hpp"

#include "store/postgres/pg_storage.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "support/test_store.hpp"

namespace synclatch::test {

Result<std::unique_ptr<server::Storage>> open_test_store(const std::string& data_dir) {
    if (const std::string url = test_store_for(data_dir); !url.empty()) {
        server::PgStorageOptions options;
        options.url = url;
        auto opened = server::PgStorage::open(options);
        if (!opened) return opened.status();
        return std::unique_ptr<server::Storage>(std::move(opened).value());
    }
    server::SqliteStorageOptions options;
    options.path = data_dir + "/synclatch-server.db";
    auto opened = server::SqliteStorage::open(options);
    if (!opened) return opened.status();
    return std::unique_ptr<server::Storage>(std::move(opened).value());
}

}  // namespace synclatch::test
