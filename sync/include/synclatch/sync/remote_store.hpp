// RemoteStore: the server side of a sync, as the sync engine sees it: one identity's datasets on a Cognito
// Sync compatible server. CognitoRemoteStore implements it over HTTP; tests may implement it in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::sync {

// Thread-safety: implementations document theirs; the sync engine calls one store from one thread at a time,
// unless concurrent_calls() says it may call update_records from several at once.
// Errors: conflict (409, a stale sync count), not_found, invalid_argument, unauthorized, limit_exceeded,
// throttled, unavailable, timeout, cancelled; Status::retryable() tells which may succeed when repeated.
class RemoteStore {
  public:
    virtual ~RemoteStore() = default;

    // The identity whose data this store reaches (obtained from the server on first use if need be).
    virtual Result<std::string> identity_id() = 0;

    // One page of records with SyncCount > last_sync_count; next_token empty for the first page.
    virtual Result<ListRecordsResult> list_records(std::string_view dataset, std::int64_t last_sync_count,
                                                   std::string_view next_token, std::int64_t max_results) = 0;
    // Applies the patches atomically; returns the records as the server wrote them.
    virtual Result<std::vector<WireRecord>> update_records(std::string_view dataset,
                                                           const std::vector<RecordPatch>& patches,
                                                           std::string_view session_token,
                                                           std::string_view device_id) = 0;
    virtual Result<DatasetDescription> delete_dataset(std::string_view dataset) = 0;
    virtual Result<DatasetDescription> describe_dataset(std::string_view dataset) = 0;
    // Every dataset of the identity (all pages).
    virtual Result<std::vector<DatasetDescription>> list_datasets() = 0;

    // Push sync: registers this device (platform: APNS, APNS_SANDBOX, GCM or ADM; token: the device's
    // push token) and returns the server's device id; then (un)subscribes it to a dataset's changes.
    virtual Result<std::string> register_device(std::string_view platform, std::string_view token) = 0;
    virtual Status subscribe(std::string_view dataset, std::string_view device_id) = 0;
    virtual Status unsubscribe(std::string_view dataset, std::string_view device_id) = 0;

    // Whether the calls above may run on several threads at once.
    virtual bool concurrent_calls() const noexcept { return false; }
};

}  // namespace synclatch::sync
