// SyncWorld: an in-process server, one identity, a shared logical clock and devices on it, for the sync
// conflict scenarios and the randomized convergence test.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "support/in_process_server.hpp"
#include "support/sync_device.hpp"
#include "support/temp_dir.hpp"

namespace synclatch::test {

// Wraps a client; `before` runs before each request is passed on (tests act "while the request is in
// flight" there).
class HookedClient final : public sync::HttpClient {
  public:
    explicit HookedClient(sync::HttpClient& inner) : inner_(inner) {}
    std::function<void(const sync::HttpRequest&)> before;

    Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                    std::chrono::milliseconds deadline) override {
        if (before) before(request);
        return inner_.send(request, deadline);
    }

  private:
    sync::HttpClient& inner_;
};

struct SyncWorld {
    SyncWorld() : server(server_dir()) {}

    std::string server_dir() {
        std::filesystem::create_directories(dir.path() / "server");
        return (dir.path() / "server").string();
    }

    // A device on the world's identity (or another), talking through its own hookable client.
    SyncDevice& device(const std::string& name, const std::string& identity_id = "") {
        auto client = std::make_unique<HookedClient>(server.client());
        auto made = std::make_unique<SyncDevice>(dir.file(name + ".db"), *client,
                                                 identity_id.empty() ? identity : identity_id, clock, name);
        clients[name] = std::move(client);
        auto& device = *made;
        devices[name] = std::move(made);
        return device;
    }
    HookedClient& client_of(const std::string& name) { return *clients.at(name); }

    TempDir dir;
    InProcessServer server;
    std::string identity = server.create_identity();
    core::EpochMillis time = 1'700'000'000'000;
    std::function<core::EpochMillis()> clock = [this] { return ++time; };
    std::map<std::string, std::unique_ptr<HookedClient>> clients;
    std::map<std::string, std::unique_ptr<SyncDevice>> devices;
};

}  // namespace synclatch::test
