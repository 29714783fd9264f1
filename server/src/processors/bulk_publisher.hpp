// BulkPublisher: runs BulkPublish in the background (the call itself only starts it, as Cognito's does):
// one dataset-changes record per existing dataset of the pool, a batch of datasets per transaction so
// that UpdateRecords keeps flowing meanwhile. GetBulkPublishDetails reports the progress.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "store/pool_storage.hpp"

namespace synclatch::server {

// Thread-safety: start() from any thread.
class BulkPublisher {
  public:
    static constexpr std::int64_t kDatasetsPerTransaction = 100;

    // Marks bulk publishes left IN_PROGRESS by an earlier run as FAILED.
    BulkPublisher(PoolStorage& store, std::function<EpochMillis()> clock);
    // Stops between batches: a bulk publish not finished by then is FAILED.
    ~BulkPublisher();
    BulkPublisher(const BulkPublisher&) = delete;
    BulkPublisher& operator=(const BulkPublisher&) = delete;

    // BulkPublish: starts one for the pool, or says why not (see PoolStorage::begin_bulk_publish).
    Result<BulkPublishStart> start(const std::string& pool_id);

  private:
    void run();
    Status publish(const std::string& pool_id);

    PoolStorage& store_;
    std::function<EpochMillis()> clock_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> pools_;  // guarded by mutex_
    bool stopping_ = false;          // guarded by mutex_
    std::thread thread_;
};

}  // namespace synclatch::server
