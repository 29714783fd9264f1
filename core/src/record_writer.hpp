// RecordWriter: the one place a record version is written. It decides the modified flag, origin and device
// time from who is writing, keeps the dataset's size, count and modification time in step, and appends
// the change feed row, all inside the caller's write transaction. No other code writes the records table
// (except the bulk moves of an identity switch), so no write path can forget the bookkeeping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store_state.hpp"
#include "synclatch/core/record.hpp"

namespace synclatch::core::detail {

enum class WriteSource {
    local,     // the app: modified, origin local, device time = now
    remote,    // the sync engine storing the server's version: clean, origin remote
    resolved,  // a conflict resolution, stored as given: origin follows the record's modified flag
};

class RecordWriter {
  public:
    // Creates the dataset row when missing.
    RecordWriter(const WriteScope& scope, std::string_view dataset);

    // A local put (value) or remove (std::nullopt). Returns true when the stored value changed.
    bool write_local(std::string_view key, std::optional<std::string_view> value);
    // A whole record from the sync engine or a resolver. Returns true when the stored value changed.
    bool write_record(const Record& record, WriteSource source);
    // The same, over the stored record the caller has just loaded (load(record.key)): one read less.
    bool write_record(const Record& record, WriteSource source, const std::optional<Record>& previous);
    // Removes every record of the dataset (each live one reported as removed) and resets size and count.
    void remove_all_records();
    // Deletes one stored record row outright (no tombstone is kept); a live one is reported as removed.
    void erase(const Record& stored);
    // The stored record of key, tombstones included.
    std::optional<Record> load(std::string_view key);
    // Applies the accumulated size, count and modification time to the dataset row. Call once, last.
    void finish();

  private:
    bool store(const Record& next, const std::optional<Record>& previous);
    void record_change(const Record& next);

    const WriteScope& scope_;
    std::string dataset_;
    std::int64_t bytes_delta_ = 0;
    std::int64_t count_delta_ = 0;
    bool touched_ = false;
};

// UTF-8 bytes a live record occupies (key and value); 0 for a tombstone.
std::int64_t record_size(std::string_view key, const std::optional<std::string>& value);

}  // namespace synclatch::core::detail
