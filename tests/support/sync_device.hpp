// SyncDevice: one simulated device for sync tests: its own local store (temp file, its own clock) and
// a CognitoRemoteStore reaching a server through the HttpClient given, acting for one identity.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "synclatch/core/local_store.hpp"
#include "synclatch/sync/cognito_remote_store.hpp"
#include "synclatch/sync/synchronizer.hpp"

namespace synclatch::test {

// The developer credentials devices sign with: servers run with --auth none or take them as --admin-key.
inline constexpr const char* kDeviceAccessKey = "AKIDTESTDEVICE";
inline constexpr const char* kDeviceSecretKey = "test-secret";

class SyncDevice {
  public:
    // clock: the device's time (tests use logical clocks so last-writer-wins is deterministic).
    // endpoint: what requests name as their (signed) Host; the in-process server ignores it, a server
    // process is reached at its own port.
    SyncDevice(const std::string& path, sync::HttpClient& http, const std::string& identity_id,
               std::function<core::EpochMillis()> clock, std::string name,
               const std::string& endpoint = "http://127.0.0.1:8080");

    core::Dataset dataset(const std::string& name);
    // synchronize() of that dataset with this device's name as device id and clock.
    Result<sync::SyncResult> sync(const std::string& name, sync::SyncOptions options = {});

    core::LocalStore& store() { return *store_; }
    sync::RemoteStore& remote() { return *remote_; }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
    std::function<core::EpochMillis()> clock_;
    std::unique_ptr<core::LocalStore> store_;
    std::unique_ptr<sync::StaticCredentials> credentials_;
    std::unique_ptr<sync::CognitoRemoteStore> remote_;
};

}  // namespace synclatch::test
