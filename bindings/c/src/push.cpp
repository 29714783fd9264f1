// The C API's push calls: registering the installation, dataset subscriptions, hints from the app's push
// service, and the server's own WebSocket push channel.
#include "handles.hpp"

using namespace synclatch;
using c_api::guarded;
using c_api::refuse;
using c_api::report;

extern "C" {

sl_string* sl_client_register_device(sl_client* client, const char* platform, const char* token,
                                     sl_error* error) {
    return guarded(error, static_cast<sl_string*>(nullptr), [&]() -> sl_string* {
        if (client == nullptr || platform == nullptr || token == nullptr)
            return refuse(error, "client, platform and token must not be NULL"), nullptr;
        auto device = client->state->client->register_device(platform, token);
        if (!report(device.status(), error)) return nullptr;
        return new sl_string(std::move(device).value());
    });
}

bool sl_client_subscribe(sl_client* client, const char* dataset, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr || dataset == nullptr)
            return refuse(error, "client and dataset must not be NULL");
        return report(client->state->client->subscribe(dataset), error);
    });
}

bool sl_client_unsubscribe(sl_client* client, const char* dataset, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr || dataset == nullptr)
            return refuse(error, "client and dataset must not be NULL");
        return report(client->state->client->unsubscribe(dataset), error);
    });
}

bool sl_client_on_push_hint(sl_client* client, const char* payload, size_t payload_size) {
    if (client == nullptr || !c_api::valid_bytes(payload, payload_size)) return false;
    return guarded(nullptr, false,
                   [&] { return client->state->client->on_push_hint(c_api::bytes(payload, payload_size)); });
}

bool sl_client_open_push_channel(sl_client* client, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        return report(client->state->client->open_push_channel(), error);
    });
}

bool sl_client_push_channel_connected(const sl_client* client) {
    return client != nullptr && client->state->client->push_channel_connected();
}

}  // extern "C"
