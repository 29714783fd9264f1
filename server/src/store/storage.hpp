// Storage: everything the server keeps, behind the interfaces that the APIs, processors and tests depend
// on (the storage seam). An engine implements all of them in one object; store/sqlite/ is the embedded
// one, and the only place that knows SQLite.
//
// What every engine keeps to, so that several servers can share one database (DESIGN.md "Where it
// scales"):
// - a write returns once it is durable, and from then on every server of the database sees it. No answer
//   comes from memory that another server's write could make stale, unless the method says so and the
//   engine bounds how stale (PoolStorage::sync_trigger);
// - writes that must not interleave (a dataset's sync count, an identity's logins, a merge) serialize in
//   the database, not in one process's memory;
// - stream sequence numbers grow in commit order (StreamStorage).
#pragma once

#include <string>
#include <string_view>

#include "store/device_storage.hpp"
#include "store/identity_storage.hpp"
#include "store/import_storage.hpp"
#include "store/pool_storage.hpp"
#include "store/record_storage.hpp"
#include "store/server_bus.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// A deployment id: 1 to 64 of [A-Za-z0-9_.-] (no ':': event ids are "<origin>:<origin seq>").
Status validate_deployment_id(std::string_view id);

// Thread-safety: every method may be called from any thread concurrently.
class Storage : public IdentityStorage,
                public RecordStorage,
                public StreamStorage,
                public PoolStorage,
                public DeviceStorage,
                public ImportStorage {
  public:
    ~Storage() override = default;

    virtual const SyncLimits& limits() const noexcept = 0;
    // This deployment's id, the origin of its clients' writes (DESIGN.md "The latch"): the database's.
    virtual const std::string& deployment_id() const noexcept = 0;
    // Hints to and from the other servers of the database (none for an engine that has one server).
    virtual ServerBus& bus() noexcept = 0;
};

}  // namespace synclatch::server
