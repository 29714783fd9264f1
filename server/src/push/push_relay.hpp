// Push hints across the servers of one database (ServerBus): the server that took a write hints the
// subscribed devices connected to it (PushHub) and sends the hint on the bus; every other server hints
// those connected to it. A hint the bus loses costs a device only time: devices also sync on their own
// schedule (PROTOCOL.md §3.6).
#pragma once

#include <string>
#include <vector>

#include "push/push_hub.hpp"
#include "store/server_bus.hpp"

namespace synclatch::server {

// Sends the hint (PushHub::publish's arguments) to the other servers, in as many messages as the devices
// need; false when the bus refused one.
bool send_push_hint(ServerBus& bus, const std::vector<std::string>& device_ids, const std::string& topic,
                    const std::string& payload);

// Publishes the hints other servers send to this server's hub. The hub must outlive the bus's delivery.
void relay_push_hints(ServerBus& bus, PushHub& hub);

}  // namespace synclatch::server
