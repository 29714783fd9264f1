// The data lake (DESIGN.md "Data flow"): every record of every stream, appended to newline-delimited JSON
// files under one folder, one line each:
//   {"stream":"events","seq":12,"partitionKey":"...","created":<ms>,"deployment":"dep-a","data":{...}}
// Files are DIR/YYYY-MM-DD/HHMMSSZ-<first seq>.ndjson (UTC; their names sort in time order), rotated when
// they reach a size or an age. The newest file says how far the lake got: after a crash the writer drops a
// torn last line and resumes after the last whole one, so each record is in the lake once. A write that
// fails (a full disk) is rolled back to the file's last whole line at once, and the file is checked again
// before the next line goes in; the retry appends to the same file, so a disk that stays full leaves
// neither torn lines nor a new empty file per retry. A checkpoint, stored every few seconds (after syncing
// the lines it covers), keeps the place when files are moved away. `synclatch replay` reads them back into
// a processor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "processors/processor.hpp"
#include "store/storage.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

struct DataLakeOptions {
    std::string dir;
    std::int64_t rotate_bytes = 64 * 1024 * 1024;
    std::chrono::minutes rotate_age{60};
    // How a line reaches its file: ::write, unless a test puts a disk that fills up in its place. Returns
    // what ::write returns (bytes written, or -1 with errno set).
    std::function<long(int fd, const char* data, std::size_t size)> write;
};

// Thread-safety: step() runs on one thread at a time.
class DataLake final : public Processor {
  public:
    DataLake(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock, DataLakeOptions options);
    ~DataLake() override;
    DataLake(const DataLake&) = delete;
    DataLake& operator=(const DataLake&) = delete;

    const std::string& name() const override { return name_; }
    Result<bool> step(std::int64_t lease) override;

  private:
    Status resume();
    Status repair_file();
    Status open_file(std::int64_t first_seq);
    Status sync_new_file();
    void close_file();
    Status store_checkpoint();

    Storage& store_;
    Metrics& metrics_;
    std::function<EpochMillis()> clock_;
    DataLakeOptions options_;
    bool resumed_ = false;
    std::int64_t last_written_ = 0;  // the seq of the last whole line in the lake
    std::int64_t checkpointed_ = 0;  // what the stored checkpoint says
    EpochMillis checkpointed_at_ = 0;
    std::int64_t lease_ = 0;       // the token of the last step's lease, which its checkpoints carry
    int fd_ = -1;                  // the file being appended to, or -1
    std::string path_;             // its path
    std::int64_t file_bytes_ = 0;  // its length up to its last whole line
    EpochMillis file_opened_ = 0;
    bool torn_ = false;      // a write to it failed: it may end in part of a line until repair_file()
    bool unsynced_ = false;  // its name may not be durable yet (its folder's sync failed)
    const std::string name_ = "datalake";
};

}  // namespace synclatch::server
