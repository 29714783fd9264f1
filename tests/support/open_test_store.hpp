// Opening, from a test, the store that a test's server ran on (support/test_store.hpp), to look at what it
// left. Its own file: the benchmarks share test_store.cpp without the server's storage code.
#pragma once

#include <memory>
#include <string>

#include "store/storage.hpp"
#include "synclatch/core/result.hpp"

namespace synclatch::test {

// The store of a server with this data folder (stopped first): the embedded database in the folder, or
// its PostgreSQL database.
Result<std::unique_ptr<server::Storage>> open_test_store(const std::string& data_dir);

}  // namespace synclatch::test
