// Stream appends under the append lock.
#include "store/postgres/pg_stream_appends.hpp"

namespace synclatch::server {

Result<std::vector<std::int64_t>> pg_append_stream_records(PgConnection& tx, std::string_view stream,
                                                           const std::vector<NewStreamRecord>& records,
                                                           EpochMillis now) {
    std::vector<std::int64_t> seqs;
    if (records.empty()) return seqs;
    if (auto locked = tx.exec("SELECT pg_advisory_xact_lock($1::bigint)", {kPgStreamAppendLockKey}); !locked)
        return locked.status();
    seqs.reserve(records.size());
    for (const auto& record : records) {
        auto appended = tx.exec(
            "INSERT INTO stream_records (seq, stream, partition_key, data, created) "
            "VALUES (nextval('stream_seq'), $1, $2, $3, $4::bigint) RETURNING seq",
            {stream, record.partition_key, record.data, now});
        if (!appended) return appended.status();
        seqs.push_back(appended->int64(0, 0));
    }
    return seqs;
}

}  // namespace synclatch::server
