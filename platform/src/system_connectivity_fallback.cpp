// open_system_connectivity() where synclatch has no OS monitor yet (not Linux): a monitor that reports
// online, so the sync engine simply tries and treats failures as it would any network error.
#include <memory>

#include "synclatch/platform/connectivity.hpp"
#include "synclatch/platform/manual_connectivity.hpp"

namespace synclatch::platform {

Result<std::unique_ptr<ConnectivityMonitor>> open_system_connectivity() {
    return std::unique_ptr<ConnectivityMonitor>(std::make_unique<ManualConnectivity>(true));
}

}  // namespace synclatch::platform
