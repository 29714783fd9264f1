// What an app can and cannot do with the handles synclatch::Client gives it. Built only by the compile
// checks of tests/CMakeLists.txt, against synclatch::platform as an app links it: as it is, it must
// compile (so the checks below cannot pass through a broken setup); with one SYNCLATCH_TRY_* macro
// defined, it must fail to compile, and for the reason that macro names.
#include <optional>
#include <string>
#include <vector>

#include "synclatch/synclatch.hpp"

#ifdef SYNCLATCH_TRY_ENGINE_HEADER
// The sync engine's side of a dataset is in-tree only: not on an app's include path.
#include "synclatch/core/engine/sync_dataset.hpp"
#endif

synclatch::Status app(synclatch::Client& client) {
    auto things = client.open_or_create_dataset("things");
    if (!things.ok()) return things.status();
    // The app's own calls.
    if (auto put = things->put("k", "v"); !put.ok()) return put;
    if (auto modified = things->modified_records(); !modified.ok()) return modified.status();
#ifdef SYNCLATCH_TRY_APPLY_REMOTE
    // A record stored clean is never pushed: an app that could do this would lose the value.
    std::vector<synclatch::Record> pulled(1);
    if (auto applied = client.open_or_create_dataset("things")->apply_remote(pulled); !applied.ok())
        return applied;
#endif
#ifdef SYNCLATCH_TRY_STORE
    // The client's store, whose identity it keeps: an app could wipe it or switch its identity.
    if (auto wiped = client.store().wipe(); !wiped.ok()) return wiped;
#endif
    // What the app needs of the identity, without the store.
    if (const std::optional<std::string> known = client.known_identity_id(); !known)
        if (auto obtained = client.identity_id(); !obtained.ok()) return obtained.status();
    return client.synchronize("things").status();
}
