// What the app's Dataset and the engine's SyncDataset share: validating whole records, and write_as, the
// write of a handle that may be pinned to an identity.
#pragma once

#include <span>
#include <string>

#include "store_state.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/status.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::core::detail {

inline Status validate_record(const Record& record) {
    if (Status s = validate_key(record.key); !s.ok()) return s;
    if (record.value) {
        if (Status s = validate_value(*record.value); !s.ok()) return s;
    }
    if (record.sync_count < 0)
        return {Errc::invalid_argument, "sync count of '" + record.key + "' is negative"};
    return {};
}

inline Status validate_records(std::span<const Record> records) {
    for (const auto& record : records) {
        if (Status s = validate_record(record); !s.ok()) return s;
    }
    return {};
}

inline Status identity_switched() {
    return {Errc::cancelled, "the store switched to another identity"};
}

// run_write for a handle: fails with cancelled, inside the write lock, when the handle is pinned to an
// identity that is no longer the store's (pinned empty: not pinned).
template <class Step>
Status write_as(StoreState& state, const std::string& pinned, Step&& step) {
    return run_write(state, [&](const WriteScope& scope) -> Status {
        if (!pinned.empty() && scope.identity != pinned) return identity_switched();
        return step(scope);
    });
}

}  // namespace synclatch::core::detail
