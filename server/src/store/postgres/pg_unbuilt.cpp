// PgStorage's methods that are not built yet: each answers Errc::internal. Temporary, while the engine is
// being written (issue 17); `--store postgresql://` is not offered until this file is gone.
#include "store/postgres/pg_identity_merge.hpp"
#include "store/postgres/pg_storage.hpp"

namespace synclatch::server {

namespace {

Status unbuilt(const char* what) {
    return {Errc::internal, std::string("the PostgreSQL engine does not do ") + what + " yet"};
}

}  // namespace

// RecordStorage (pg_records.cpp).

Result<sync::ListRecordsResult> PgStorage::list_records(std::string_view, std::string_view, std::int64_t,
                                                        std::string_view, std::int64_t) const {
    return unbuilt("list_records");
}

void PgStorage::submit_update_records(std::string, std::string, std::string, std::vector<sync::RecordPatch>,
                                      EpochMillis, UpdateRecordsDone done) {
    done(unbuilt("submit_update_records"));
}

Result<sync::DatasetDescription> PgStorage::describe_dataset(std::string_view, std::string_view) const {
    return unbuilt("describe_dataset");
}

Result<sync::DatasetDescription> PgStorage::delete_dataset(std::string_view, std::string_view, EpochMillis) {
    return unbuilt("delete_dataset");
}

Result<DatasetPage> PgStorage::list_datasets(std::string_view, std::string_view, std::int64_t) const {
    return unbuilt("list_datasets");
}

Result<sync::IdentityUsage> PgStorage::describe_identity_usage(std::string_view) const {
    return unbuilt("describe_identity_usage");
}

Result<sync::IdentityPoolUsage> PgStorage::describe_pool_usage(std::string_view) const {
    return unbuilt("describe_pool_usage");
}

Result<std::vector<sync::IdentityPoolUsage>> PgStorage::list_pool_usage(std::string_view,
                                                                        std::int64_t) const {
    return unbuilt("list_pool_usage");
}

Result<std::map<std::string, std::string>> PgStorage::record_values(std::string_view, std::string_view,
                                                                    const std::vector<std::string>&) const {
    return unbuilt("record_values");
}

Result<std::int64_t> PgStorage::count_records() const {
    return unbuilt("count_records");
}

// StreamStorage (pg_streams.cpp; what processors apply in pg_latch.cpp).

Result<std::vector<AppliedWrite>> PgStorage::apply_received(std::string_view, std::vector<ReceivedWrite>,
                                                            const std::optional<Checkpoint>&, EpochMillis) {
    return unbuilt("apply_received");
}

Result<std::optional<RecordVersion>> PgStorage::record_version(std::string_view, std::string_view,
                                                               std::string_view) const {
    return unbuilt("record_version");
}

// pg_identity_merge.hpp

Result<std::vector<MovedDataset>> pg_merge_identity(PgConnection&, const SyncLimits&, std::string_view,
                                                    std::string_view, std::string_view, EpochMillis,
                                                    std::vector<NewStreamRecord>&) {
    return unbuilt("pg_merge_identity");
}

}  // namespace synclatch::server
