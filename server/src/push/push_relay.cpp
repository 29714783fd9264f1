// Push hints as bus messages: {"devices": [...], "topic": "...", "payload": "..."} on topic "push".
#include "push/push_relay.hpp"

#include <nlohmann/json.hpp>

namespace synclatch::server {

namespace {

constexpr const char* kTopic = "push";

}  // namespace

bool send_push_hint(ServerBus& bus, const std::vector<std::string>& device_ids, const std::string& topic,
                    const std::string& payload) {
    if (!bus.reaches_others()) return true;  // the embedded engine: one server, nothing to tell
    const std::size_t fixed = topic.size() + payload.size() + 64;
    if (fixed >= ServerBus::kMaxMessageBytes) return false;
    bool all_sent = true;
    std::size_t next = 0;
    while (next < device_ids.size()) {
        nlohmann::json devices = nlohmann::json::array();
        std::size_t room = ServerBus::kMaxMessageBytes - fixed;
        while (next < device_ids.size() && device_ids[next].size() + 8 <= room) {
            room -= device_ids[next].size() + 8;  // quotes, comma, and escapes that ids do not need
            devices.push_back(device_ids[next++]);
        }
        if (devices.empty()) return false;  // one id alone is too long
        const nlohmann::json message = {{"devices", devices}, {"topic", topic}, {"payload", payload}};
        all_sent = bus.send(kTopic, message.dump()) && all_sent;
    }
    return all_sent;
}

void relay_push_hints(ServerBus& bus, PushHub& hub) {
    bus.subscribe([&hub](const std::string& topic, const std::string& payload) {
        if (topic != kTopic) return;
        const auto message = nlohmann::json::parse(payload, nullptr, false);
        if (!message.is_object() || !message.contains("devices") || !message["devices"].is_array() ||
            !message.contains("topic") || !message["topic"].is_string() || !message.contains("payload") ||
            !message["payload"].is_string())
            return;  // only servers of this database send; a malformed message is dropped
        std::vector<std::string> devices;
        for (const auto& device : message["devices"])
            if (device.is_string()) devices.push_back(device.get<std::string>());
        hub.publish(devices, message["topic"].get<std::string>(), message["payload"].get<std::string>());
    });
}

}  // namespace synclatch::server
