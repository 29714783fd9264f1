// Conflict resolutions as the records to store, and the default last-writer-wins policy.
#include "synclatch/sync/conflict.hpp"

#include <cassert>
#include <tuple>

namespace synclatch::sync {

Conflict::Conflict(core::Record local, core::Record remote, core::EpochMillis now)
    : local_(std::move(local)), remote_(std::move(remote)), now_(now) {}

void Conflict::resolve_with_remote() {
    core::Record taken = remote_;
    taken.modified = false;
    taken.origin = core::Origin::remote;
    resolution_ = std::move(taken);
}

void Conflict::resolve_with_local() {
    core::Record kept = local_;
    kept.sync_count = remote_.sync_count;  // pushed on top of the server's version: no 409
    kept.last_modified = remote_.last_modified;
    kept.last_modified_by = remote_.last_modified_by;
    kept.modified = true;
    kept.origin = core::Origin::local;
    resolution_ = std::move(kept);
}

void Conflict::resolve_with_value(std::optional<std::string> value) {
    resolve_with_local();
    resolution_->value = std::move(value);
    resolution_->device_last_modified = now_;  // a new edit
}

const core::Record& Conflict::resolution() const {
    assert(resolution_ && "resolution() of an unresolved conflict");
    return *resolution_;
}

void resolve_by_last_writer(Conflict& conflict) {
    const auto rank = [](const core::Record& r) {
        return std::make_tuple(r.device_last_modified, r.value.has_value(), r.value.value_or(""));
    };
    if (rank(conflict.local()) > rank(conflict.remote())) {
        conflict.resolve_with_local();
    } else {
        conflict.resolve_with_remote();
    }
}

}  // namespace synclatch::sync
