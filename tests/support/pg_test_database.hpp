// What the PostgreSQL tests share: a fresh database on the test process's shared cluster, and a connection
// to it that fails the test (with PostgreSQL's reason) when it cannot be opened. Header-only: it uses
// Catch's macros, which the test support library does not link.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "store/postgres/pg_connection.hpp"
#include "support/numbered.hpp"
#include "support/postgres_cluster.hpp"

namespace synclatch::test {

// A database of its own for each test, on the cluster this test process shares (ctest runs every test
// case in a process of its own, so there each starts one cluster; a whole run of the binary starts one).
inline std::string fresh_pg_database(const std::string& prefix) {
    static int count = 0;
    return PostgresCluster::shared().create_database(numbered(prefix, ++count));
}

inline server::PgConnection connect_pg(const std::string& url) {
    auto connection = server::PgConnection::open(url);
    INFO(connection.status().to_string());
    REQUIRE(connection.ok());
    return std::move(connection).value();
}

}  // namespace synclatch::test
