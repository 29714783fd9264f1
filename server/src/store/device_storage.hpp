// DeviceStorage: the devices registered for push sync and the datasets they are subscribed to; one of the
// interfaces a storage engine implements (storage.hpp).
#pragma once

#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

// Thread-safety: every method may be called from any thread concurrently.
class DeviceStorage {
  public:
    virtual ~DeviceStorage() = default;

    // A device registered twice with the same platform and token keeps its id.
    virtual Result<std::string> register_device(std::string_view identity_id, std::string_view platform,
                                                std::string_view token, EpochMillis now) = 0;
    // not_found when the device is not one of the identity's.
    virtual Status subscribe(std::string_view identity_id, std::string_view dataset,
                             std::string_view device_id) = 0;
    virtual Status unsubscribe(std::string_view identity_id, std::string_view dataset,
                               std::string_view device_id) = 0;
    // The identity a device belongs to; not_found for unknown devices.
    virtual Result<std::string> device_owner(std::string_view device_id) const = 0;
};

}  // namespace synclatch::server
