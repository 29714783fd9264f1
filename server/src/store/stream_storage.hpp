// StreamStorage: the event streams (records in sequence, consumer groups' checkpoints) and what the
// processors write with them in one transaction (DESIGN.md "The latch"); one of the interfaces a storage
// engine implements (storage.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

// One change event as stored in a stream.
struct StreamRecord {
    std::int64_t seq = 0;
    std::string stream;
    std::string partition_key;
    std::string data;  // JSON text
    EpochMillis created = 0;
};

// A consumer group's position in a stream: every record up to seq is done. lease: for a processor, the
// token of its leadership (take_lease) when it wrote this; the write is refused (Errc::conflict) when the
// lease has passed to another server since: a deposed leader moves no checkpoint and writes no event. 0 for
// consumers that lead nothing (the streams API's consumer groups).
struct Checkpoint {
    std::string stream;
    std::string group;
    std::int64_t seq = 0;
    std::int64_t lease = 0;
};

// A record to append to a stream.
struct NewStreamRecord {
    std::string partition_key;
    std::string data;  // JSON text
};

// A record version received in an event from elsewhere, to be written with the latch closed.
struct ReceivedWrite {
    std::string event_id;  // applied at most once per processor
    std::string pool_id;   // the identity's pool: a new identity is created in it ("": it must exist)
    std::string identity_id;
    std::string dataset;
    std::string key;
    std::optional<std::string> value;  // nullopt: a removal
    std::string origin;                // who authored the version (becomes LastModifiedBy too)
    std::int64_t version = 0;
    std::int64_t origin_seq = 0;
    EpochMillis device_last_modified_date = 0;
    // Appended to stream "events" if and only if the write is applied (a bridge forwarding it).
    std::optional<NewStreamRecord> forward;
    // A DeleteDataset received (key and value unused): every record of the dataset older than (version,
    // origin) goes; the dataset is deleted when none is left, else the older ones are removed.
    bool deletes_dataset = false;
};

enum class ApplyOutcome { applied, duplicate, stale, rejected };
// "applied", "duplicate", "stale" or "rejected" (metrics labels).
const char* apply_outcome_name(ApplyOutcome outcome);
struct AppliedWrite {
    ApplyOutcome outcome = ApplyOutcome::applied;
    std::string reason;  // why it was rejected
};

// Who authored a record's current version, and which version it is.
struct RecordVersion {
    std::optional<std::string> value;
    std::string origin;
    std::int64_t version = 0;
    std::int64_t sync_count = 0;
};

// What stream retention may drop. The soft limits wait for a stream's registered consumers (every consumer
// group with a checkpoint on it, and the data lake's checkpoint on "all", which covers every stream):
// nothing a registered consumer has not read is dropped by them. The hard cap does not wait.
struct RetentionLimits {
    EpochMillis oldest_kept = 0;           // soft: records created before this (0: no age limit)
    std::int64_t max_per_stream = 0;       // soft: all but the newest this many (0: no count limit)
    std::int64_t hard_max_per_stream = 0;  // hard: all but the newest this many, read or not (0: none)
};

// Records past the soft limits that a stream keeps for its slowest registered consumer.
struct HeldForConsumer {
    std::string stream;
    std::string group;  // the slowest consumer group
    std::int64_t checkpoint = 0;
    std::int64_t records = 0;
};

// Records the hard cap dropped before a consumer group had read them.
struct DroppedUnread {
    std::string stream;
    std::string group;
    std::int64_t checkpoint = 0;
    std::int64_t records = 0;
    std::int64_t through_seq = 0;  // the stream's records up to here are gone
};

struct RetentionPass {
    std::int64_t dropped = 0;
    std::vector<HeldForConsumer> held;
    std::vector<DroppedUnread> unread;
};

// Thread-safety: every method may be called from any thread concurrently. Sequence numbers are shared by
// all streams and grow in commit order: once a reader has seen seq n, no record with a lower seq appears
// later, so a reader that moves its position past n skips nothing.
class StreamStorage {
  public:
    virtual ~StreamStorage() = default;

    // Records with seq > after_seq, oldest first.
    virtual Result<std::vector<StreamRecord>> read_stream(std::string_view stream, std::int64_t after_seq,
                                                          std::int64_t limit) const = 0;
    // Records of every stream with seq > after_seq, oldest first (the data lake reads them all).
    virtual Result<std::vector<StreamRecord>> read_all_streams(std::int64_t after_seq,
                                                               std::int64_t limit) const = 0;
    // Appends a record (data: JSON text) to a stream; returns its sequence number.
    virtual Result<std::int64_t> append_stream(std::string_view stream, std::string_view partition_key,
                                               std::string_view data, EpochMillis now) = 0;
    // The highest sequence number in use (0 before the first record of any stream).
    virtual Result<std::int64_t> last_stream_seq() const = 0;
    // Retention: drops what the limits allow, in one transaction, and remembers how far each stream was
    // trimmed.
    virtual Result<RetentionPass> prune_streams(const RetentionLimits& limits) = 0;
    // The highest sequence number retention has dropped from the stream (0: none): a reader positioned
    // below it (after > 0) has missed records.
    virtual Result<std::int64_t> trimmed_through(std::string_view stream) const = 0;
    // Forgets a consumer group's position (its records are no longer kept for it); false when it had none.
    virtual Result<bool> remove_checkpoint(std::string_view stream, std::string_view group) = 0;
    // A consumer group's durable position in a stream (0 when it has none yet).
    virtual Result<std::int64_t> checkpoint(std::string_view stream, std::string_view group) const = 0;
    virtual Status set_checkpoint(const Checkpoint& position, EpochMillis now) = 0;

    // Leadership of a role (a processor's name) among the servers of one database, so that each processor
    // runs on one server at a time: takes the lease when it is free or expired, or renews this server's,
    // for ttl from now by the database's clock. Returns its token, or nullopt while another server holds it.
    // A token grows each time the lease changes hands; checkpoints carry it (Checkpoint::lease).
    virtual Result<std::optional<std::int64_t>> take_lease(std::string_view role,
                                                           std::chrono::milliseconds ttl) = 0;
    // Gives this server's lease of role back (it stops), so that another server may take it at once.
    virtual Status release_lease(std::string_view role) = 0;

    // Appends records to a stream and moves a checkpoint in one transaction: what a processor publishes
    // for its input exists exactly once, even across a crash.
    virtual Status publish(std::string_view stream, const std::vector<NewStreamRecord>& records,
                           const Checkpoint& done, EpochMillis now) = 0;
    // Writes what events carried with the latch closed, in one transaction with the checkpoint: each event
    // at most once per processor (duplicate), never an older version over a newer one by (version, origin)
    // order (stale). A write that breaks a rule (names, quotas, unknown identity) is rejected alone.
    // done: nullopt for a replay, which moves no checkpoint.
    virtual Result<std::vector<AppliedWrite>> apply_received(std::string_view processor,
                                                             std::vector<ReceivedWrite> writes,
                                                             const std::optional<Checkpoint>& done,
                                                             EpochMillis now) = 0;
    // A record's current version (nullopt: no such record).
    virtual Result<std::optional<RecordVersion>> record_version(std::string_view identity_id,
                                                                std::string_view dataset,
                                                                std::string_view key) const = 0;
};

}  // namespace synclatch::server
