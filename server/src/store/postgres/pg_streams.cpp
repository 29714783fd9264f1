// PgStorage's streams: reading in sequence, appending in commit order (pg_stream_appends.hpp), retention
// and consumer groups' checkpoints.
#include <map>

#include "store/postgres/pg_leases.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/postgres/pg_stream_appends.hpp"

namespace synclatch::server {

namespace {

// The rows of a SELECT seq, stream, partition_key, data, created FROM stream_records.
std::vector<StreamRecord> stream_records_of(const PgResult& rows) {
    std::vector<StreamRecord> records;
    records.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
        records.push_back(StreamRecord{rows.int64(row, 0), std::string(rows.text(row, 1)),
                                       std::string(rows.text(row, 2)), std::string(rows.text(row, 3)),
                                       rows.int64(row, 4)});
    }
    return records;
}

// Fenced by the writer's lease (pg_leases.hpp), in the same transaction.
Status store_checkpoint(PgConnection& tx, const Checkpoint& checkpoint, EpochMillis now) {
    if (Status leading = pg_check_lease(tx, checkpoint); !leading) return leading;
    auto upsert = tx.exec(
        "INSERT INTO stream_checkpoints (stream, consumer_group, seq, updated) "
        "VALUES ($1, $2, $3::bigint, $4::bigint) ON CONFLICT (stream, consumer_group) "
        "DO UPDATE SET seq = excluded.seq, updated = excluded.updated",
        {checkpoint.stream, checkpoint.group, checkpoint.seq, now});
    return upsert.status();
}

}  // namespace

Result<std::vector<StreamRecord>> PgStorage::read_stream(std::string_view stream, std::int64_t after_seq,
                                                         std::int64_t limit) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<StreamRecord>> {
        auto rows = tx.exec(
            "SELECT seq, stream, partition_key, data, created FROM stream_records "
            "WHERE stream = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3::bigint",
            {stream, after_seq, limit});
        if (!rows) return rows.status();
        return stream_records_of(*rows);
    });
}

Result<std::vector<StreamRecord>> PgStorage::read_all_streams(std::int64_t after_seq,
                                                              std::int64_t limit) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<StreamRecord>> {
        auto rows = tx.exec(
            "SELECT seq, stream, partition_key, data, created FROM stream_records "
            "WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint",
            {after_seq, limit});
        if (!rows) return rows.status();
        return stream_records_of(*rows);
    });
}

Result<std::int64_t> PgStorage::append_stream(std::string_view stream, std::string_view partition_key,
                                              std::string_view data, EpochMillis now) {
    const std::vector<NewStreamRecord> records{{std::string(partition_key), std::string(data)}};
    return impl_->write([&](PgConnection& tx) -> Result<std::int64_t> {
        auto numbered = pg_append_stream_records(tx, stream, records, now);
        if (!numbered) return numbered.status();
        return numbered->front();
    });
}

Result<std::int64_t> PgStorage::last_stream_seq() const {
    return impl_->read([&](PgConnection& tx) -> Result<std::int64_t> {
        auto row = tx.exec("SELECT coalesce(max(seq), 0) FROM stream_records");
        if (!row) return row.status();
        return row->int64(0, 0);
    });
}

Result<std::int64_t> PgStorage::prune_streams(EpochMillis oldest_kept, std::int64_t max_per_stream) {
    return impl_->write([&](PgConnection& tx) -> Result<std::int64_t> {
        auto by_age = tx.exec("DELETE FROM stream_records WHERE created < $1::bigint", {oldest_kept});
        if (!by_age) return by_age.status();
        std::int64_t dropped = by_age->affected_rows();
        if (max_per_stream <= 0) return dropped;
        auto streams = tx.exec("SELECT DISTINCT stream FROM stream_records");
        if (!streams) return streams.status();
        for (int row = 0; row < streams->rows(); ++row) {
            // The newest record beyond the kept ones, found through the (stream, seq) index.
            auto by_count = tx.exec(
                "DELETE FROM stream_records WHERE stream = $1 AND seq <= (SELECT seq FROM stream_records "
                "WHERE stream = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2::bigint)",
                {streams->text(row, 0), max_per_stream});
            if (!by_count) return by_count.status();
            dropped += by_count->affected_rows();
        }
        return dropped;
    });
}

Result<std::int64_t> PgStorage::checkpoint(std::string_view stream, std::string_view group) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::int64_t> {
        auto row = tx.exec("SELECT seq FROM stream_checkpoints WHERE stream = $1 AND consumer_group = $2",
                           {stream, group});
        if (!row) return row.status();
        return row->rows() == 0 ? std::int64_t{0} : row->int64(0, 0);
    });
}

Status PgStorage::set_checkpoint(const Checkpoint& position, EpochMillis now) {
    if (position.seq < 0) return {Errc::invalid_argument, "SequenceNumber must not be negative"};
    return impl_->write([&](PgConnection& tx) { return store_checkpoint(tx, position, now); });
}

Result<std::optional<std::int64_t>> PgStorage::take_lease(std::string_view role,
                                                          std::chrono::milliseconds ttl) {
    return impl_->write([&](PgConnection& tx) { return pg_take_lease(tx, role, impl_->instance_id, ttl); });
}

Status PgStorage::release_lease(std::string_view role) {
    return impl_->write([&](PgConnection& tx) { return pg_release_lease(tx, role, impl_->instance_id); });
}

Status PgStorage::publish(std::string_view stream, const std::vector<NewStreamRecord>& records,
                          const Checkpoint& done, EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Status {
        if (Status moved = store_checkpoint(tx, done, now); !moved) return moved;
        // Last: the append lock is held from here to the commit.
        return pg_append_stream_records(tx, stream, records, now).status();
    });
}

}  // namespace synclatch::server
