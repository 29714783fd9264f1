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

namespace {

// One bigint from a query (0 when it has no row or a null), or the error.
Result<std::int64_t> one_integer(PgConnection& tx, PgSql sql, const std::vector<PgParam>& params) {
    auto row = tx.exec(sql, params);
    if (!row) return row.status();
    return row->rows() == 0 || row->is_null(0, 0) ? std::int64_t{0} : row->int64(0, 0);
}

// The stream's records with seq in (from, through].
Result<std::int64_t> count_between(PgConnection& tx, std::string_view stream, std::int64_t from,
                                   std::int64_t through) {
    return one_integer(tx,
                       "SELECT count(*) FROM stream_records WHERE stream = $1 AND seq > $2::bigint "
                       "AND seq <= $3::bigint",
                       {stream, from, through});
}

}  // namespace

Result<RetentionPass> PgStorage::prune_streams(const RetentionLimits& limits) {
    return impl_->write([&](PgConnection& tx) -> Result<RetentionPass> {
        RetentionPass pass;
        auto streams = tx.exec("SELECT DISTINCT stream FROM stream_records");
        if (!streams) return streams.status();
        for (int row = 0; row < streams->rows(); ++row) {
            const std::string stream(streams->text(row, 0));
            // The newest record beyond the newest n, through the (stream, seq) index.
            auto beyond_newest = [&](std::int64_t n) {
                return one_integer(
                    tx,
                    "SELECT seq FROM stream_records WHERE stream = $1 ORDER BY seq DESC LIMIT 1 "
                    "OFFSET $2::bigint",
                    {stream, n});
            };
            std::int64_t soft = 0;  // the soft limits drop the stream's records up to here
            if (limits.max_per_stream > 0) {
                auto by_count = beyond_newest(limits.max_per_stream);
                if (!by_count) return by_count.status();
                soft = *by_count;
            }
            if (limits.oldest_kept > 0) {
                auto by_age = one_integer(
                    tx, "SELECT max(seq) FROM stream_records WHERE stream = $1 AND created < $2::bigint",
                    {stream, limits.oldest_kept});
                if (!by_age) return by_age.status();
                soft = std::max(soft, *by_age);
            }
            std::int64_t hard = 0;
            if (limits.hard_max_per_stream > 0) {
                auto by_cap = beyond_newest(limits.hard_max_per_stream);
                if (!by_cap) return by_cap.status();
                hard = *by_cap;
            }
            // The stream's consumers, slowest first: its own groups and the data lake's "all".
            auto consumers = tx.exec(
                "SELECT consumer_group, seq FROM stream_checkpoints WHERE stream IN ($1, 'all') "
                "ORDER BY seq, consumer_group",
                {stream});
            if (!consumers) return consumers.status();
            std::int64_t cut = soft;
            if (consumers->rows() > 0) cut = std::min(cut, consumers->int64(0, 1));
            if (hard > cut) {
                for (int c = 0; c < consumers->rows() && consumers->int64(c, 1) < hard; ++c) {
                    auto unread = count_between(tx, stream, consumers->int64(c, 1), hard);
                    if (!unread) return unread.status();
                    pass.unread.push_back(
                        {stream, std::string(consumers->text(c, 0)), consumers->int64(c, 1), *unread, hard});
                }
                cut = hard;
            }
            if (soft > cut) {
                auto held = count_between(tx, stream, cut, soft);
                if (!held) return held.status();
                pass.held.push_back(
                    {stream, std::string(consumers->text(0, 0)), consumers->int64(0, 1), *held});
            }
            if (cut <= 0) continue;
            auto last =
                one_integer(tx, "SELECT max(seq) FROM stream_records WHERE stream = $1 AND seq <= $2::bigint",
                            {stream, cut});
            if (!last) return last.status();
            if (*last == 0) continue;
            auto dropped = tx.exec("DELETE FROM stream_records WHERE stream = $1 AND seq <= $2::bigint",
                                   {stream, *last});
            if (!dropped) return dropped.status();
            pass.dropped += dropped->affected_rows();
            auto trim = tx.exec(
                "INSERT INTO stream_trims (stream, through_seq) VALUES ($1, $2::bigint) ON CONFLICT (stream) "
                "DO UPDATE SET through_seq = greatest(stream_trims.through_seq, excluded.through_seq)",
                {stream, *last});
            if (!trim) return trim.status();
        }
        return pass;
    });
}

Result<std::int64_t> PgStorage::trimmed_through(std::string_view stream) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::int64_t> {
        return one_integer(tx, "SELECT through_seq FROM stream_trims WHERE stream = $1", {stream});
    });
}

Result<bool> PgStorage::remove_checkpoint(std::string_view stream, std::string_view group) {
    return impl_->write([&](PgConnection& tx) -> Result<bool> {
        auto dropped = tx.exec("DELETE FROM stream_checkpoints WHERE stream = $1 AND consumer_group = $2",
                               {stream, group});
        if (!dropped) return dropped.status();
        return dropped->affected_rows() > 0;
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
