// SyncWorld: a server, one identity, a shared logical clock and devices on it, for the sync conflict
// scenarios and the randomized convergence test. The server is the in-process one (the real request
// handler without sockets) or, when SYNCLATCH_SYNC_WORLD_REAL_SERVER is defined, a synclatch-server
// process reached over BeastHttpClient; both offer client(), create_identity() and requests().
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "support/sync_device.hpp"
#include "support/temp_dir.hpp"

#if defined(SYNCLATCH_SYNC_WORLD_REAL_SERVER)
#include "support/real_server.hpp"
#else
#include "support/in_process_server.hpp"
#endif

namespace synclatch::test {

#if defined(SYNCLATCH_SYNC_WORLD_REAL_SERVER)
using SyncServer = RealServer;
using SyncServerOptions = RealServerOptions;
#else
using SyncServer = InProcessServer;
using SyncServerOptions = InProcessServerOptions;
#endif

// Wraps a client; `before` runs before each request is passed on (tests act "while the request is in
// flight" there). With a hook set, requests go one at a time: the hook need not be thread-safe.
class HookedClient final : public sync::HttpClient {
  public:
    explicit HookedClient(sync::HttpClient& inner) : inner_(inner) {}
    std::function<void(const sync::HttpRequest&)> before;

    Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                    std::chrono::milliseconds deadline) override {
        if (before) before(request);
        return inner_.send(request, deadline);
    }
    bool concurrent_sends() const noexcept override { return !before && inner_.concurrent_sends(); }

  private:
    sync::HttpClient& inner_;
};

struct SyncWorld {
    explicit SyncWorld(SyncServerOptions options = {}) : server(server_dir(), options) {}

    std::string server_dir() {
        std::filesystem::create_directories(dir.path() / "server");
        return (dir.path() / "server").string();
    }

    // A device on the world's identity (or another), talking through its own hookable client.
    SyncDevice& device(const std::string& name, const std::string& identity_id = "") {
        auto client = std::make_unique<HookedClient>(server.client());
        auto made = std::make_unique<SyncDevice>(dir.file(name + ".db"), *client,
                                                 identity_id.empty() ? identity : identity_id, clock, name,
                                                 endpoint());
        clients[name] = std::move(client);
        auto& device = *made;
        devices[name] = std::move(made);
        return device;
    }
    HookedClient& client_of(const std::string& name) { return *clients.at(name); }

    // What devices name as the server (their signed Host); the in-process server ignores it.
    std::string endpoint() const {
#if defined(SYNCLATCH_SYNC_WORLD_REAL_SERVER)
        return server.endpoint();
#else
        return "http://127.0.0.1:8080";
#endif
    }

    TempDir dir;
    SyncServer server;
    std::string identity = server.create_identity();
    std::atomic<core::EpochMillis> time = 1'700'000'000'000;  // read by a push's settling thread too
    std::function<core::EpochMillis()> clock = [this] { return ++time; };
    std::map<std::string, std::unique_ptr<HookedClient>> clients;
    std::map<std::string, std::unique_ptr<SyncDevice>> devices;
};

}  // namespace synclatch::test
