// PgStorage's bulk publish: one dataset-changes record per existing dataset of a pool, in batches, with a
// runner's lease that tells a bulk publish whose server died from one another server is running.
#include "events/change_event.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/postgres/pg_stream_appends.hpp"
#include "store/storage_errors.hpp"

namespace synclatch::server {

namespace {

// Cognito allows one bulk publish of a pool per 24 hours.
constexpr EpochMillis kOncePerMs = 24 * 60 * 60 * 1000;

// The stream bulk publish appends to (kDatasetChangesStream of the record writes).
constexpr std::string_view kDatasetChanges = "dataset-changes";

}  // namespace

Result<BulkPublishDetails> PgStorage::bulk_publish_details(std::string_view pool_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<BulkPublishDetails> {
        auto row = tx.exec(
            "SELECT bulk_publish_status, bulk_publish_started, bulk_publish_completed, bulk_publish_failure "
            "FROM identity_pools WHERE pool_id = $1",
            {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        BulkPublishDetails details;
        details.status = std::string(row->text(0, 0));
        if (!row->is_null(0, 1)) details.started = row->int64(0, 1);
        if (!row->is_null(0, 2)) details.completed = row->int64(0, 2);
        details.failure = std::string(row->text(0, 3));
        return details;
    });
}

Result<BulkPublishStart> PgStorage::begin_bulk_publish(std::string_view pool_id, EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Result<BulkPublishStart> {
        // Locked: of two servers starting one pool's bulk publish at once, the second sees the first's.
        auto row = tx.exec(
            "SELECT bulk_publish_status, bulk_publish_completed, bulk_publish_lease_until "
            "FROM identity_pools WHERE pool_id = $1 FOR UPDATE",
            {pool_id});
        if (!row) return row.status();
        if (row->rows() == 0) return pool_not_found(pool_id);
        const std::string_view status = row->text(0, 0);
        // One whose runner's lease ran out is taken over: no server would ever finish it.
        if (status == "IN_PROGRESS" && !row->is_null(0, 2) && row->int64(0, 2) >= now)
            return BulkPublishStart::in_progress;
        if (status == "SUCCEEDED" && !row->is_null(0, 1) && row->int64(0, 1) > now - kOncePerMs)
            return BulkPublishStart::already_streamed;
        auto started = tx.exec(
            "UPDATE identity_pools SET bulk_publish_status = 'IN_PROGRESS', bulk_publish_started = "
            "$2::bigint, "
            "bulk_publish_completed = NULL, bulk_publish_failure = '', bulk_publish_lease_until = $3::bigint "
            "WHERE pool_id = $1",
            {pool_id, now, now + kBulkPublishLeaseMs});
        if (!started) return started.status();
        return BulkPublishStart::started;
    });
}

Result<std::optional<DatasetKey>> PgStorage::publish_datasets(std::string_view pool_id,
                                                              const std::optional<DatasetKey>& after,
                                                              std::int64_t limit, EpochMillis now) {
    const DatasetKey start = after.value_or(DatasetKey{});
    return impl_->write([&](PgConnection& tx) -> Result<std::optional<DatasetKey>> {
        // Every batch renews the runner's lease; one whose bulk publish was failed meanwhile (its lease ran
        // out) stops here.
        auto renewed = tx.exec(
            "UPDATE identity_pools SET bulk_publish_lease_until = $2::bigint "
            "WHERE pool_id = $1 AND bulk_publish_status = 'IN_PROGRESS'",
            {pool_id, now + kBulkPublishLeaseMs});
        if (!renewed) return renewed.status();
        if (renewed->affected_rows() == 0) {
            auto pool = tx.exec("SELECT 1 FROM identity_pools WHERE pool_id = $1", {pool_id});
            if (!pool) return pool.status();
            if (pool->rows() == 0) return pool_not_found(pool_id);
            return bulk_publish_not_in_progress(pool_id);
        }
        // FOR SHARE: a write to one of these datasets in flight commits first (its event goes before this
        // one), and none commits until this batch does, so each record describes the dataset as it is
        // when the event takes its place in the stream.
        auto datasets = tx.exec(
            "SELECT d.identity_id, d.name, d.sync_count FROM datasets d "
            "JOIN identities i ON d.identity_id = i.identity_id "
            "WHERE i.pool_id = $1 AND d.exists_now "
            "AND (d.identity_id COLLATE \"C\", d.name COLLATE \"C\") > ($2::text, $3::text) "
            "ORDER BY d.identity_id COLLATE \"C\", d.name COLLATE \"C\" LIMIT $4::bigint FOR SHARE OF d",
            {pool_id, start.identity_id, start.name, limit});
        if (!datasets) return datasets.status();
        std::vector<NewStreamRecord> events;
        for (int row = 0; row < datasets->rows(); ++row) {
            const std::string_view identity = datasets->text(row, 0);
            const std::string_view name = datasets->text(row, 1);
            auto records = tx.exec(
                "SELECT key, value, sync_count, last_modified_date, last_modified_by, "
                "device_last_modified_date "
                "FROM records WHERE identity_id = $1 AND dataset_name = $2 AND value IS NOT NULL "
                "ORDER BY key COLLATE \"C\"",
                {identity, name});
            if (!records) return records.status();
            std::vector<sync::WireRecord> live;
            for (int r = 0; r < records->rows(); ++r) {
                live.push_back(sync::WireRecord{
                    std::string(records->text(r, 0)), records->optional_text(r, 1), records->int64(r, 2),
                    records->int64(r, 3), std::string(records->text(r, 4)), records->int64(r, 5)});
            }
            events.push_back(NewStreamRecord{
                std::string(identity),
                dataset_change_event(pool_id, identity, name, datasets->int64(row, 2), now, live)});
        }
        if (datasets->rows() == 0) return std::optional<DatasetKey>();
        const int last = datasets->rows() - 1;
        std::optional<DatasetKey> position(
            DatasetKey{std::string(datasets->text(last, 0)), std::string(datasets->text(last, 1))});
        // Last: the append lock is held from here to the commit.
        if (auto appended = pg_append_stream_records(tx, kDatasetChanges, events, now); !appended)
            return appended.status();
        return position;
    });
}

Status PgStorage::finish_bulk_publish(std::string_view pool_id, const Status& failure, EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Status {
        return tx
            .exec(
                "UPDATE identity_pools SET bulk_publish_status = $2, bulk_publish_completed = $3::bigint, "
                "bulk_publish_failure = $4, bulk_publish_lease_until = NULL "
                "WHERE pool_id = $1 AND bulk_publish_status = 'IN_PROGRESS'",
                {pool_id, failure.ok() ? "SUCCEEDED" : "FAILED", now,
                 failure.ok() ? std::string() : failure.message()})
            .status();
    });
}

Status PgStorage::fail_interrupted_bulk_publishes(EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Status {
        return tx
            .exec(
                "UPDATE identity_pools SET bulk_publish_status = 'FAILED', bulk_publish_completed = "
                "$1::bigint, "
                "bulk_publish_failure = 'interrupted: the server stopped before it finished', "
                "bulk_publish_lease_until = NULL "
                "WHERE bulk_publish_status = 'IN_PROGRESS' "
                "AND (bulk_publish_lease_until IS NULL OR bulk_publish_lease_until < $1::bigint)",
                {now})
            .status();
    });
}

}  // namespace synclatch::server
