// Conflict: a key changed on this device and on the server since the last sync, with different values.
// The app resolves it with the server's version, its own, or a new value; or the default policy does.
#pragma once

#include <optional>
#include <string>

#include "synclatch/core/record.hpp"

namespace synclatch::sync {

// Thread-safety: a plain value; resolve it on one thread.
class Conflict {
  public:
    // now: the device time a resolution with a new value is stamped with.
    Conflict(core::Record local, core::Record remote, core::EpochMillis now);

    const std::string& key() const noexcept { return local_.key; }
    // This device's unsynchronized version, and the server's newer one.
    const core::Record& local() const noexcept { return local_; }
    const core::Record& remote() const noexcept { return remote_; }

    // Take the server's version.
    void resolve_with_remote();
    // Keep this device's version; it is pushed on top of the server's.
    void resolve_with_local();
    // Store a new value (std::nullopt removes the key), e.g. a merge of both; it is pushed.
    void resolve_with_value(std::optional<std::string> value);

    bool resolved() const noexcept { return resolution_.has_value(); }
    // What to store for the key. Requires resolved().
    const core::Record& resolution() const;

  private:
    core::Record local_;
    core::Record remote_;
    core::EpochMillis now_;
    std::optional<core::Record> resolution_;
};

// The default policy, used when the app gives no conflict callback (or leaves a conflict unresolved):
// the last writer wins by device time (DeviceLastModifiedDate: when each device made its edit, which the
// server keeps with the record); on equal times the greater value wins (bytewise; a removal is below any
// value). Both devices of a conflict see the same pair, so every device picks the same winner.
void resolve_by_last_writer(Conflict& conflict);

}  // namespace synclatch::sync
