// RealServer: a synclatch-server process (ServerProcess, SigV4 on, SyncDevice's credentials as its admin
// key) reached over the platform's BeastHttpClient, with the same interface as InProcessServer, so that
// sync scenarios written against one run unchanged against the other.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "support/server_process.hpp"
#include "synclatch/platform/beast_http_client.hpp"
#include "synclatch/sync/http_client.hpp"

namespace synclatch::test {

// The quotas InProcessServerOptions has, passed to the process as its flags (same names, same defaults).
struct RealServerOptions {
    std::int64_t max_records_per_dataset = 1024;       // --max-records-per-dataset
    std::int64_t max_bytes_per_dataset = 1024 * 1024;  // --max-bytes-per-dataset
};

// Thread-safety: client().send() may be called from several threads at once. Destruction closes the
// client's connections, then kills the process and waits for it (ServerProcess).
class RealServer {
  public:
    // Throws std::runtime_error when the process does not start.
    RealServer(const std::string& data_dir, RealServerOptions options = {});
    RealServer(const RealServer&) = delete;
    RealServer& operator=(const RealServer&) = delete;

    sync::HttpClient& client();
    // A new identity in the default pool (kTestPool), from the server's GetId.
    std::string create_identity();
    // Requests answered so far (any HTTP status), counted on the client side: the process's own count is
    // not visible. GetId calls of create_identity() are not counted (the in-process server's are not either).
    std::int64_t requests() const;
    // "http://127.0.0.1:PORT"
    std::string endpoint() const;

  private:
    class CountingClient final : public sync::HttpClient {
      public:
        explicit CountingClient(sync::HttpClient& inner) : inner_(inner) {}
        Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                        std::chrono::milliseconds deadline) override;
        bool concurrent_sends() const noexcept override { return inner_.concurrent_sends(); }
        std::atomic<std::int64_t> answered{0};

      private:
        sync::HttpClient& inner_;
    };

    ServerProcess process_;  // declared first: destroyed last
    std::unique_ptr<platform::BeastHttpClient> http_;
    CountingClient counting_;
};

}  // namespace synclatch::test
