// InProcessServer: the real synclatch-server request handling (SqliteStorage, group commit, SigV4 or no auth)
// behind a sync::HttpClient that calls it directly, with no sockets: sync tests drive thousands of
// requests through real server semantics in milliseconds, deterministically.
#pragma once

#include <memory>
#include <string>

#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::test {

struct InProcessServerOptions {
    bool sigv4 = false;  // false: --auth none (any credentials act for any identity)
    std::int64_t max_records_per_dataset = 1024;
    std::int64_t max_bytes_per_dataset = 1024 * 1024;
};

// Thread-safety: client().send() may be called from several threads at once.
class InProcessServer {
  public:
    InProcessServer(const std::string& data_dir, InProcessServerOptions options = {});
    ~InProcessServer();
    InProcessServer(const InProcessServer&) = delete;
    InProcessServer& operator=(const InProcessServer&) = delete;

    sync::HttpClient& client();
    // A new identity in the default pool (kTestPool).
    std::string create_identity();
    // Requests answered so far.
    std::int64_t requests() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace synclatch::test
