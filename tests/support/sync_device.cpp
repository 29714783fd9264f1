// A device: a local store and its remote, wired as an app would wire them.
#include "support/sync_device.hpp"

#include <stdexcept>

#include "support/http_client.hpp"

namespace synclatch::test {

SyncDevice::SyncDevice(const std::string& path, sync::HttpClient& http, const std::string& identity_id,
                       std::function<core::EpochMillis()> clock, std::string name,
                       const std::string& endpoint)
    : name_(std::move(name)), clock_(std::move(clock)) {
    core::StoreOptions options;
    options.path = path;
    options.durability = core::Durability::normal;
    options.clock = clock_;
    auto store = core::LocalStore::open(options);
    if (!store.ok()) throw std::runtime_error("device store: " + store.status().to_string());
    store_ = std::move(store).value();
    if (Status s = store_->set_identity_id(identity_id); !s.ok())
        throw std::runtime_error("device identity: " + s.to_string());
    credentials_ = std::make_unique<sync::StaticCredentials>(
        sync::sigv4::Credentials{kDeviceAccessKey, kDeviceSecretKey, ""}, identity_id);
    sync::CognitoRemoteOptions remote_options;
    remote_options.endpoint = sync::parse_endpoint(endpoint).value();
    remote_options.identity_pool_id = kTestPool;
    remote_ = std::make_unique<sync::CognitoRemoteStore>(http, *credentials_, remote_options);
}

core::Dataset SyncDevice::dataset(const std::string& name) {
    auto dataset = store_->open_or_create_dataset(name);
    if (!dataset.ok()) throw std::runtime_error("dataset: " + dataset.status().to_string());
    return std::move(dataset).value();
}

Result<sync::SyncResult> SyncDevice::sync(const std::string& name, sync::SyncOptions options) {
    if (options.device_id.empty()) options.device_id = name_;
    if (!options.clock) options.clock = clock_;
    return sync::synchronize(dataset(name), *remote_, options);
}

}  // namespace synclatch::test
