// CognitoRemoteStore: the RemoteStore of a Cognito Sync compatible server, over an HttpClient, every
// request SigV4-signed with the CredentialsProvider's credentials (PROTOCOL.md §2, §6).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "synclatch/core/record.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/remote_store.hpp"

namespace synclatch::sync {

struct CognitoRemoteOptions {
    Endpoint endpoint;
    std::string identity_pool_id;
    std::string region;  // empty: the pool id's prefix ("us-east-1" of "us-east-1:...")
    std::chrono::milliseconds deadline{30'000};  // per request
    std::function<core::EpochMillis()> clock;    // signing time; empty: the system clock
};

// Thread-safety: any thread; concurrent calls are safe when the HttpClient's sends are (signing state is
// locked), and concurrent_calls() says so. A request refused as unauthorized is retried once with
// fresh credentials.
class CognitoRemoteStore final : public RemoteStore {
  public:
    // http and credentials must outlive this object.
    CognitoRemoteStore(HttpClient& http, CredentialsProvider& credentials, CognitoRemoteOptions options);

    Result<std::string> identity_id() override;
    Result<ListRecordsResult> list_records(std::string_view dataset, std::int64_t last_sync_count,
                                           std::string_view next_token, std::int64_t max_results) override;
    Result<std::vector<WireRecord>> update_records(std::string_view dataset,
                                                   const std::vector<RecordPatch>& patches,
                                                   std::string_view session_token,
                                                   std::string_view device_id) override;
    Result<DatasetDescription> delete_dataset(std::string_view dataset) override;
    Result<DatasetDescription> describe_dataset(std::string_view dataset) override;
    Result<std::vector<DatasetDescription>> list_datasets() override;
    Result<std::string> register_device(std::string_view platform, std::string_view token) override;
    Status subscribe(std::string_view dataset, std::string_view device_id) override;
    Status unsubscribe(std::string_view dataset, std::string_view device_id) override;
    bool concurrent_calls() const noexcept override { return http_.concurrent_sends(); }

  private:
    // Signs and sends; a 2xx answer's body, or the error. path: already encoded; query: "a=1&b=2".
    Result<std::string> call(std::string_view method, const std::string& path, const std::string& query,
                             const std::string& body);
    Result<std::string> dataset_path(std::string_view dataset);

    HttpClient& http_;
    CredentialsProvider& credentials_;
    const CognitoRemoteOptions options_;
    const std::string region_;
    std::mutex signer_mutex_;
    std::optional<sigv4::Signer> signer_;  // for the current credentials; guarded by signer_mutex_
};

}  // namespace synclatch::sync
