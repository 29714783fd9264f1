// Appending to the event streams on PostgreSQL so that sequence numbers grow in commit order
// (StreamStorage's promise), with any number of servers writing at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/stream_storage.hpp"

namespace synclatch::server {

// The append lock: a transaction-level advisory lock ("slstream" in ASCII), the same for every server.
inline constexpr std::int64_t kPgStreamAppendLockKey = 0x736c73747265616d;

// Inside the caller's transaction (call it last, just before COMMIT): takes the append lock, which
// PostgreSQL holds until the transaction ends, then numbers the records from stream_seq and inserts them.
// A sequence alone is not commit order (a transaction that took a smaller number can commit later, after a
// reader moved past it); under the lock, the transaction that takes the next numbers is the next to commit,
// so a reader never finds a number below one it has seen. The lock serializes only the end of each writing
// transaction, not its work. Returns the records' sequence numbers, in order.
Result<std::vector<std::int64_t>> pg_append_stream_records(PgConnection& tx, std::string_view stream,
                                                           const std::vector<NewStreamRecord>& records,
                                                           EpochMillis now);

}  // namespace synclatch::server
