// The record model of the local store: one key/value record of a dataset, with its sync bookkeeping,
// and the Change that subscribers and the change feed see when a record's value changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synclatch::core {

// Milliseconds since the Unix epoch (UTC). The store keeps every time in this unit.
using EpochMillis = std::int64_t;

// Who authored the current version of a record on this device.
// local: written through Dataset::put/remove/put_all (or resolved with a local value): it is modified
//        and will be pushed. remote: written by the sync engine from the server: stored clean and never
//        pushed back (the client side of the latch).
enum class Origin { local, remote };

std::string_view to_string(Origin origin) noexcept;

// Thread-safety (Record, Change): plain values.
// One record. A value of std::nullopt is a tombstone: the key was removed and the removal is kept so
// that it can be synchronized.
struct Record {
    std::string key;
    std::optional<std::string> value;
    std::int64_t sync_count = 0;           // the server's sync count of the version this is based on
    EpochMillis last_modified = 0;         // server time of that version (0: never synchronized)
    std::string last_modified_by;          // who wrote that version on the server
    EpochMillis device_last_modified = 0;  // device time of the last local write
    bool modified = false;                 // has local changes not yet pushed
    Origin origin = Origin::local;

    bool is_deleted() const noexcept { return !value.has_value(); }
    friend bool operator==(const Record&, const Record&) = default;
};

// A change of a record's value, as recorded in the local change feed and passed to subscribers.
struct Change {
    std::int64_t seq = 0;  // position in the store's change feed: strictly increasing, never reused
    std::string identity_id;
    std::string dataset;
    std::string key;
    std::optional<std::string> value;  // std::nullopt: the record was removed
    Origin origin = Origin::local;
    EpochMillis time = 0;

    friend bool operator==(const Change&, const Change&) = default;
};

}  // namespace synclatch::core
