// PgStorage's methods that are not built yet: each answers Errc::internal. Temporary, while the engine is
// being written (issue 17); `--store postgresql://` is not offered until this file is gone.
#include "store/postgres/pg_storage.hpp"

namespace synclatch::server {

namespace {

Status unbuilt(const char* what) {
    return {Errc::internal, std::string("the PostgreSQL engine does not do ") + what + " yet"};
}

}  // namespace

// IdentityStorage (pg_identities.cpp; sign-in in pg_sign_ins.cpp).

void PgStorage::submit_create_identity(std::string, EpochMillis, CreateIdentityDone done) {
    done(unbuilt("submit_create_identity"));
}

Result<std::string> PgStorage::pool_of(std::string_view) const {
    return unbuilt("pool_of");
}

void PgStorage::submit_issue_credentials(std::string, EpochMillis, EpochMillis, IssueCredentialsDone done) {
    done(unbuilt("submit_issue_credentials"));
}

Result<std::optional<IdentityCredentials>> PgStorage::newest_credentials(std::string_view,
                                                                         EpochMillis) const {
    return unbuilt("newest_credentials");
}

Result<IdentityCredentials> PgStorage::find_credentials(std::string_view) const {
    return unbuilt("find_credentials");
}

Result<std::vector<MovedDataset>> PgStorage::merge(std::string_view, std::string_view, EpochMillis) {
    return unbuilt("merge");
}

Result<std::optional<std::string>> PgStorage::find_for_logins(std::string_view,
                                                              const std::vector<Login>&) const {
    return unbuilt("find_for_logins");
}

Result<SignIn> PgStorage::identity_for_logins(std::string_view, const std::vector<Login>&, EpochMillis) {
    return unbuilt("identity_for_logins");
}

Result<SignIn> PgStorage::authorize(std::string_view, const std::vector<Login>&, bool, EpochMillis) {
    return unbuilt("authorize");
}

Result<std::optional<std::string>> PgStorage::survivor_of(std::string_view) const {
    return unbuilt("survivor_of");
}

Result<std::vector<Login>> PgStorage::logins(std::string_view) const {
    return unbuilt("logins");
}

Result<bool> PgStorage::unlink(std::string_view, const std::vector<Login>&, EpochMillis) {
    return unbuilt("unlink");
}

Status PgStorage::delete_identities(const std::vector<std::string>&) {
    return unbuilt("delete_identities");
}

Result<std::vector<ListedIdentity>> PgStorage::list_identities(std::string_view, std::string_view,
                                                               std::size_t, bool) const {
    return unbuilt("list_identities");
}

Result<IdentityDescription> PgStorage::describe_identity(std::string_view) const {
    return unbuilt("describe_identity");
}

// PoolStorage (pg_pools.cpp; bulk publish in pg_bulk_publish.cpp).

Status PgStorage::ensure_pool(std::string_view, EpochMillis) {
    return unbuilt("ensure_pool");
}

bool PgStorage::pool_exists(std::string_view) const {
    return false;
}

Status PgStorage::create_pool(std::string_view, std::string_view, EpochMillis) {
    return unbuilt("create_pool");
}

Result<std::optional<std::string>> PgStorage::pool_definition(std::string_view) const {
    return unbuilt("pool_definition");
}

Result<std::int64_t> PgStorage::count_api_pools() const {
    return unbuilt("count_api_pools");
}

Result<std::vector<std::pair<std::string, std::string>>> PgStorage::pool_definitions() const {
    return unbuilt("pool_definitions");
}

Status PgStorage::update_pool_definition(std::string_view, std::string_view, EpochMillis) {
    return unbuilt("update_pool_definition");
}

Result<std::vector<ListedPool>> PgStorage::list_pools(std::string_view, std::size_t) const {
    return unbuilt("list_pools");
}

Status PgStorage::delete_pool(std::string_view) {
    return unbuilt("delete_pool");
}

Result<std::string> PgStorage::pool_configuration(std::string_view) const {
    return unbuilt("pool_configuration");
}

Result<std::string> PgStorage::update_pool_configuration(std::string_view, const ConfigurationMerge&) {
    return unbuilt("update_pool_configuration");
}

Result<std::string> PgStorage::cognito_events(std::string_view) const {
    return unbuilt("cognito_events");
}

Status PgStorage::set_cognito_events(std::string_view, std::string_view, std::string) {
    return unbuilt("set_cognito_events");
}

Result<std::string> PgStorage::sync_trigger(std::string_view) const {
    return unbuilt("sync_trigger");
}

Result<BulkPublishDetails> PgStorage::bulk_publish_details(std::string_view) const {
    return unbuilt("bulk_publish_details");
}

Result<BulkPublishStart> PgStorage::begin_bulk_publish(std::string_view, EpochMillis) {
    return unbuilt("begin_bulk_publish");
}

Result<std::optional<DatasetKey>> PgStorage::publish_datasets(std::string_view,
                                                              const std::optional<DatasetKey>&, std::int64_t,
                                                              EpochMillis) {
    return unbuilt("publish_datasets");
}

Status PgStorage::finish_bulk_publish(std::string_view, const Status&, EpochMillis) {
    return unbuilt("finish_bulk_publish");
}

Status PgStorage::fail_interrupted_bulk_publishes(EpochMillis) {
    return unbuilt("fail_interrupted_bulk_publishes");
}

// DeviceStorage (pg_devices.cpp).

Result<std::string> PgStorage::register_device(std::string_view, std::string_view, std::string_view,
                                               EpochMillis) {
    return unbuilt("register_device");
}

Status PgStorage::subscribe(std::string_view, std::string_view, std::string_view) {
    return unbuilt("subscribe");
}

Status PgStorage::unsubscribe(std::string_view, std::string_view, std::string_view) {
    return unbuilt("unsubscribe");
}

Result<std::string> PgStorage::device_owner(std::string_view) const {
    return unbuilt("device_owner");
}

}  // namespace synclatch::server
