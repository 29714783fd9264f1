// The interfaces' blocking calls, the same for every engine: each submits and waits for its done callback.
#include <future>

#include "store/identity_storage.hpp"
#include "store/record_storage.hpp"

namespace synclatch::server {

namespace {

template <class T, class Submit>
Result<T> wait_for(Submit&& submit) {
    std::promise<Result<T>> outcome;
    auto ready = outcome.get_future();
    submit([&outcome](Result<T> result) { outcome.set_value(std::move(result)); });
    return ready.get();
}

}  // namespace

Result<std::string> IdentityStorage::create_identity(std::string_view pool_id, EpochMillis now) {
    return wait_for<std::string>(
        [&](CreateIdentityDone done) { submit_create_identity(std::string(pool_id), now, std::move(done)); });
}

Result<IdentityCredentials> IdentityStorage::issue_credentials(std::string_view identity_id, EpochMillis now,
                                                               EpochMillis lifetime_ms) {
    return wait_for<IdentityCredentials>([&](IssueCredentialsDone done) {
        submit_issue_credentials(std::string(identity_id), now, lifetime_ms, std::move(done));
    });
}

Result<UpdateRecordsOutcome> RecordStorage::update_records(std::string_view identity_id,
                                                           std::string_view dataset, std::string_view author,
                                                           const std::vector<sync::RecordPatch>& patches,
                                                           EpochMillis now) {
    return wait_for<UpdateRecordsOutcome>([&](UpdateRecordsDone done) {
        submit_update_records(std::string(identity_id), std::string(dataset), std::string(author), patches,
                              now, std::move(done));
    });
}

}  // namespace synclatch::server
