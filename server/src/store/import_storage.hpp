// ImportStorage: a Cognito Sync identity pool written into the store as the source had it
// (`synclatch-server import-cognito`, docs/migrating-from-cognito.md): identities under their own ids, with
// their dates and developer logins; datasets with their sync counts, dates and every record, removed ones
// as tombstones. One of the interfaces a storage engine implements (storage.hpp).
//
// Each dataset carries an import mark: the source's LastModifiedDate it was copied at, and the dataset's
// sync count and existence the copy left on the target. A later run (a catch-up, or a run resumed after a
// crash) copies a dataset again only when the source moved, and never over a dataset that changed on the
// target since it was imported, or that the target had before: that is a conflict the operator is shown.
//
// An import writes no change events (the data lake, bridges and processors see none of it): BulkPublish
// after the cut-over publishes every dataset, as Cognito's does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/identity_storage.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

using sync::EpochMillis;

struct ImportedIdentity {
    std::string identity_id;  // the source's, "<region>:<uuid>"
    std::string pool_id;
    EpochMillis created = 0;
    EpochMillis last_modified = 0;
    // Logins whose subject the source gives: the pool's developer provider and its user identifiers
    // (LookupDeveloperIdentity). Linked as GetId would link them; several subjects of one provider are all
    // linked, as the source has them.
    std::vector<Login> logins;
    // Providers the identity has logins of whose subjects the source does not give (OpenID Connect,
    // social, Cognito user pools: ListIdentities names the provider only). Kept so that the server may link
    // the first valid token of such a provider presented for this identity (docs/migrating-from-cognito.md).
    // One the identity has a login of linked on the target already is not kept (again).
    std::vector<std::string> unlinked_providers;

    // Bounds on what a source may give (every Cognito identity fits them many times over), so that an
    // identity's logins stay a short list for DescribeIdentity and every sign-in that reads them.
    static constexpr std::size_t kMaxLogins = 100;      // logins and unlinked providers together
    static constexpr std::size_t kMaxNameBytes = 1024;  // a provider's name, a subject
};

struct ImportedDataset {
    std::string identity_id;
    std::string name;
    EpochMillis creation_date = 0;
    EpochMillis last_modified_date = 0;
    std::string last_modified_by;
    std::int64_t sync_count = 0;  // the source's DatasetSyncCount
    // Every record, removed ones (no value) included; keys distinct, sync counts from 1 to sync_count.
    std::vector<sync::WireRecord> records;
};

// What an import last did to a dataset.
struct ImportMark {
    EpochMillis source_last_modified = 0;  // the source's LastModifiedDate it copied (0 for a removal)
    std::int64_t sync_count = 0;           // the target dataset's sync count it left
    bool exists = true;                    // false: the import removed it (gone at the source)
    friend bool operator==(const ImportMark&, const ImportMark&) = default;
};

// Where an interrupted run of a pool's import resumes.
struct ImportRun {
    EpochMillis started = 0;
    std::string next_token;  // the source's ListIdentities NextToken after the last page fully imported
    std::int64_t identities_done = 0;
    friend bool operator==(const ImportRun&, const ImportRun&) = default;
};

// Marks and unlinked providers go with their identity (DeleteIdentities, DeleteIdentityPool, a merge into
// another identity), and a pool's run with the pool.
//
// Thread-safety: every method may be called from any thread concurrently.
class ImportStorage {
  public:
    virtual ~ImportStorage() = default;

    // Creates the identity in its pool, or brings one imported before up to date (last_modified: the later
    // of the two; new logins and unlinked providers; nothing is unlinked), in one transaction. Once it
    // returns, pool_of() finds the identity and its logins lead to it (find_for_logins). invalid_argument for
    // a malformed id, an identity id of another region than its pool's, or a login without provider or
    // subject, or twice; not_found when the pool does not exist; conflict when the id belongs to another
    // pool, was merged or is disabled (its last login unlinked) on the target, or a login is linked to
    // another identity of the pool. Nothing is written on an error. An identity deleted on the target
    // leaves nothing to know it by: imported again, it is made anew.
    virtual Status import_identity(const ImportedIdentity& identity) = 0;

    // The dataset's import mark; nullopt when no import wrote it.
    virtual Result<std::optional<ImportMark>> import_mark(std::string_view identity_id,
                                                          std::string_view dataset) const = 0;

    // Replaces the dataset with `dataset`, records, sync counts and dates exactly as given, and sets its
    // mark (source_last_modified: dataset.last_modified_date), in one transaction. Each record is a new
    // version of this deployment (DESIGN.md "The latch"), as a client's write here would be, but no change
    // event is appended and no sync session counted. invalid_argument for malformed input (ImportedDataset's
    // rules); not_found when the identity does not exist (it must have been imported) or was merged;
    // conflict when the target has the dataset (existing or deleted) and its mark is missing or no longer
    // matches it (written on the target since); limit_exceeded when it breaks the target's quotas
    // (SyncLimits: live records and bytes, and datasets per identity for one the identity has not got);
    // nothing is written on an error.
    virtual Status import_dataset(const ImportedDataset& dataset) = 0;

    // The dataset is gone at the source: deletes it on the target (its sync count kept, as DeleteDataset
    // does, but no change event) and marks it removed (source_last_modified 0), in one transaction;
    // not_found and conflict as for import_dataset. Nothing to do when the target has no such dataset.
    virtual Status remove_imported_dataset(std::string_view identity_id, std::string_view dataset,
                                           EpochMillis now) = 0;

    // The pool's unfinished import run; nullopt when there is none.
    virtual Result<std::optional<ImportRun>> import_run(std::string_view pool_id) const = 0;
    // Stores the pool's run (nullopt: the run finished; the next starts from the top). not_found when the
    // pool does not exist (storing a run).
    virtual Status save_import_run(std::string_view pool_id, const std::optional<ImportRun>& run) = 0;
};

}  // namespace synclatch::server
