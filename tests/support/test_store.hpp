// The store a test's server runs on. Integration tests start servers with a data folder each; run with
// SYNCLATCH_TEST_STORE=postgresql in the environment (ctest does so for the " (PostgreSQL)" runs of the
// server suites), every such server gets a PostgreSQL database of its own instead, on the test process's
// private cluster (PostgresCluster::shared()): the same database for the same data folder, so a restarted
// server finds its data, and a different one for each deployment a test starts.
#pragma once

#include <string>

namespace synclatch::test {

// Whether this test process runs its servers on PostgreSQL.
bool servers_on_postgres();

// The --store for a server with this data folder: "" (the embedded store in the folder) or a PostgreSQL URL.
std::string test_store_for(const std::string& data_dir);

}  // namespace synclatch::test
