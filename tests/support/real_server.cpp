// Starting the server process with the flags the options ask for, and GetId through the library's own
// Cognito Identity client.
#include "support/real_server.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/sync_device.hpp"
#include "synclatch/sync/credentials_provider.hpp"

namespace synclatch::test {

namespace {

std::vector<std::string> server_args(const RealServerOptions& options) {
    return {"--auth",
            "sigv4",
            "--admin-key",
            std::string(kDeviceAccessKey) + ":" + kDeviceSecretKey,
            "--max-records-per-dataset",
            std::to_string(options.max_records_per_dataset),
            "--max-bytes-per-dataset",
            std::to_string(options.max_bytes_per_dataset)};
}

std::unique_ptr<platform::BeastHttpClient> open_client(unsigned short port) {
    auto endpoint = sync::parse_endpoint("http://127.0.0.1:" + std::to_string(port));
    if (!endpoint.ok()) throw std::runtime_error("real server endpoint: " + endpoint.status().to_string());
    auto client = platform::BeastHttpClient::open(*endpoint);
    if (!client.ok()) throw std::runtime_error("real server client: " + client.status().to_string());
    return std::move(client).value();
}

}  // namespace

Result<sync::HttpResponse> RealServer::CountingClient::send(const sync::HttpRequest& request,
                                                            std::chrono::milliseconds deadline) {
    auto response = inner_.send(request, deadline);
    if (response.ok()) ++answered;
    return response;
}

RealServer::RealServer(const std::string& data_dir, RealServerOptions options)
    : process_(data_dir, server_args(options)), http_(open_client(process_.port())), counting_(*http_) {}

sync::HttpClient& RealServer::client() {
    return counting_;
}

std::string RealServer::create_identity() {
    sync::CognitoIdentityOptions options;
    options.endpoint = sync::parse_endpoint(endpoint()).value();
    options.identity_pool_id = kTestPool;
    sync::CognitoIdentityCredentials identity(*http_, options);
    auto id = identity.identity_id();
    if (!id.ok()) throw std::runtime_error("GetId: " + id.status().to_string());
    return *id;
}

std::int64_t RealServer::requests() const {
    return counting_.answered.load();
}

std::string RealServer::endpoint() const {
    return "http://127.0.0.1:" + std::to_string(process_.port());
}

}  // namespace synclatch::test
