// TestStorageSite: where a storage test keeps its data, on the engine the test binary is built for. The
// storage semantics tests are compiled twice: into server_tests, where they run on SQLite (a file in a temp
// folder), and into postgres_tests (built with SYNCLATCH_TEST_ON_POSTGRES), where they run on PostgreSQL (a
// fresh database on the test process's private cluster). One set of tests, so both engines keep the same
// rules. Header-only: which engine is decided where it is included.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <utility>

#include "store/storage.hpp"
#include "support/temp_dir.hpp"

#ifdef SYNCLATCH_TEST_ON_POSTGRES
#include "store/postgres/pg_storage.hpp"
#include "support/pg_test_database.hpp"
#else
#include "store/sqlite/sqlite_storage.hpp"
#endif

namespace synclatch::test {

class TestStorageSite {
  public:
#ifdef SYNCLATCH_TEST_ON_POSTGRES
    static constexpr const char* kEngine = "PostgreSQL";
    TestStorageSite() : url_(fresh_pg_database("storage")) {}
#else
    static constexpr const char* kEngine = "SQLite";
    TestStorageSite() = default;
#endif

    // Opens the site's storage: the same data every time, as a server's restart would find it.
    Result<std::unique_ptr<server::Storage>> open(const server::SyncLimits& limits = {},
                                                  const std::string& deployment_id = {}) const {
#ifdef SYNCLATCH_TEST_ON_POSTGRES
        server::PgStorageOptions options;
        options.url = url_;
#else
        server::SqliteStorageOptions options;
        options.path = dir_.file("server.db");
        options.durable = false;
#endif
        options.limits = limits;
        options.deployment_id = deployment_id;
#ifdef SYNCLATCH_TEST_ON_POSTGRES
        auto opened = server::PgStorage::open(options);
#else
        auto opened = server::SqliteStorage::open(options);
#endif
        if (!opened) return opened.status();
        return std::unique_ptr<server::Storage>(std::move(opened).value());
    }

    // The same, failing the test (with the reason) when it cannot be opened.
    std::unique_ptr<server::Storage> open_or_fail(const server::SyncLimits& limits = {},
                                                  const std::string& deployment_id = {}) const {
        auto opened = open(limits, deployment_id);
        INFO(opened.status().to_string());
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }

  private:
    TempDir dir_;
#ifdef SYNCLATCH_TEST_ON_POSTGRES
    std::string url_;
#endif
};

}  // namespace synclatch::test
