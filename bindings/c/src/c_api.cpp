// The C API's entry points (synclatch.h): each checks its arguments, calls the C++ API and reports through
// the caller's sl_error; nothing thrown ever leaves (c_api::guarded).
#include <algorithm>
#include <cstring>
#include <string_view>

#include "handles.hpp"

namespace synclatch::c_api {

void set_error(sl_error* error, sl_code code, std::string_view message) {
    if (error == nullptr) return;
    error->code = code;
    const std::size_t size = std::min(message.size(), sizeof(error->message) - 1);
    if (size > 0) std::memcpy(error->message, message.data(), size);  // an empty view's data may be NULL
    error->message[size] = '\0';
}

bool report(const Status& status, sl_error* error) {
    set_error(error, static_cast<sl_code>(status.code()), status.message());
    return status.ok();
}

namespace {

// NULL, or a text for an option that is set.
bool is_set(const char* text) {
    return text != nullptr && text[0] != '\0';
}

}  // namespace
}  // namespace synclatch::c_api

using namespace synclatch;
using c_api::guarded;
using c_api::refuse;
using c_api::report;
using c_api::set_error;

static_assert(SL_INTERNAL == static_cast<int>(Errc::internal), "sl_code follows synclatch::Errc");

extern "C" {

const char* sl_version(void) {
    return SYNCLATCH_VERSION;
}

bool sl_code_is_retryable(sl_code code) {
    return code >= SL_OK && code <= SL_INTERNAL && is_retryable(static_cast<Errc>(code));
}

int64_t sl_live_handles(void) {
    return c_api::live_handles.load(std::memory_order_relaxed);
}

const char* sl_string_data(const sl_string* string) {
    return string != nullptr ? string->bytes.data() : nullptr;
}

size_t sl_string_size(const sl_string* string) {
    return string != nullptr ? string->bytes.size() : 0;
}

void sl_string_release(sl_string* string) {
    delete string;
}

sl_client* sl_client_open(const sl_client_options* options, sl_error* error) {
    return guarded(error, static_cast<sl_client*>(nullptr), [&]() -> sl_client* {
        if (options == nullptr) return refuse(error, "options must not be NULL"), nullptr;
        if (!c_api::is_set(options->endpoint)) return refuse(error, "options->endpoint is required"), nullptr;
        if (!c_api::is_set(options->identity_pool_id))
            return refuse(error, "options->identity_pool_id is required"), nullptr;
        if (!c_api::is_set(options->data_dir)) return refuse(error, "options->data_dir is required"), nullptr;
        if (options->durability != SL_DURABILITY_FULL && options->durability != SL_DURABILITY_NORMAL)
            return refuse(error, "options->durability must be SL_DURABILITY_FULL or SL_DURABILITY_NORMAL"),
                   nullptr;
        if (options->request_deadline_ms < 0)
            return refuse(error, "options->request_deadline_ms must not be negative"), nullptr;
        const int developer = c_api::is_set(options->developer_access_key_id) +
                              c_api::is_set(options->developer_secret_access_key) +
                              c_api::is_set(options->developer_identity_id);
        if (developer != 0 && developer != 3)
            return refuse(error,
                          "developer credentials need the access key id, the secret and the identity id"),
                   nullptr;

        ClientOptions client_options;
        client_options.endpoint = options->endpoint;
        client_options.identity_pool_id = options->identity_pool_id;
        client_options.data_dir = options->data_dir;
        if (c_api::is_set(options->ca_file)) client_options.ca_file = options->ca_file;
        client_options.durability =
            options->durability == SL_DURABILITY_NORMAL ? core::Durability::normal : core::Durability::full;
        if (options->request_deadline_ms > 0)
            client_options.request_deadline = std::chrono::milliseconds(options->request_deadline_ms);
        if (developer == 3) {
            client_options.developer =
                DeveloperCredentials{options->developer_access_key_id, options->developer_secret_access_key,
                                     options->developer_identity_id};
        }
        auto state = std::make_shared<c_api::ClientState>();
        state->delivery = {options->post, options->post_context};
        if (options->app_reports_connectivity) {
            state->connectivity = std::make_shared<platform::ManualConnectivity>(true);
            client_options.connectivity = state->connectivity;
        }
        if (const auto changed = options->on_identity_changed) {
            client_options.on_identity_changed = [changed, context = options->identity_context,
                                                  delivery = state->delivery](const std::string& old_id,
                                                                              const std::string& new_id) {
                delivery.deliver(
                    [changed, context, old_id, new_id] { changed(context, old_id.c_str(), new_id.c_str()); });
            };
        }
        auto client = Client::open(std::move(client_options));
        if (!report(client.status(), error)) return nullptr;
        state->client = std::move(client).value();
        auto* handle = new sl_client;
        handle->state = std::move(state);
        return handle;
    });
}

void sl_client_release(sl_client* client) {
    delete client;  // the Client closes when its last dataset handle goes too
}

void sl_client_set_online(sl_client* client, bool online) {
    if (client != nullptr && client->state->connectivity) client->state->connectivity->set_online(online);
}

sl_string* sl_client_identity_id(sl_client* client, sl_error* error) {
    return guarded(error, static_cast<sl_string*>(nullptr), [&]() -> sl_string* {
        if (client == nullptr) return refuse(error, "client must not be NULL"), nullptr;
        auto id = client->state->client->identity_id();
        if (!report(id.status(), error)) return nullptr;
        return new sl_string(std::move(id).value());
    });
}

sl_dataset* sl_dataset_open(sl_client* client, const char* name, sl_error* error) {
    return guarded(error, static_cast<sl_dataset*>(nullptr), [&]() -> sl_dataset* {
        if (client == nullptr) return refuse(error, "client must not be NULL"), nullptr;
        if (name == nullptr) return refuse(error, "name must not be NULL"), nullptr;
        auto dataset = client->state->client->open_or_create_dataset(name);
        if (!report(dataset.status(), error)) return nullptr;
        return new sl_dataset(client->state, std::move(dataset).value());
    });
}

void sl_dataset_release(sl_dataset* dataset) {
    delete dataset;
}

bool sl_dataset_put(sl_dataset* dataset, const char* key, size_t key_size, const char* value,
                    size_t value_size, sl_error* error) {
    return guarded(error, false, [&] {
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        if (!c_api::valid_bytes(key, key_size) || !c_api::valid_bytes(value, value_size))
            return refuse(error, "key and value may be NULL only with a size of 0");
        return report(dataset->dataset.put(c_api::bytes(key, key_size), c_api::bytes(value, value_size)),
                      error);
    });
}

bool sl_dataset_remove(sl_dataset* dataset, const char* key, size_t key_size, sl_error* error) {
    return guarded(error, false, [&] {
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        if (!c_api::valid_bytes(key, key_size)) return refuse(error, "key may be NULL only with a size of 0");
        return report(dataset->dataset.remove(c_api::bytes(key, key_size)), error);
    });
}

bool sl_dataset_get(sl_dataset* dataset, const char* key, size_t key_size, sl_string** value,
                    sl_error* error) {
    return guarded(error, false, [&] {
        if (value == nullptr) return refuse(error, "value must not be NULL");
        *value = nullptr;
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        if (!c_api::valid_bytes(key, key_size)) return refuse(error, "key may be NULL only with a size of 0");
        auto found = dataset->dataset.get(c_api::bytes(key, key_size));
        if (!report(found.status(), error)) return false;
        if (*found) *value = new sl_string(std::move(**found));
        return true;
    });
}

}  // extern "C"
