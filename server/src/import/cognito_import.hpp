// The copy of one Cognito Sync identity pool into a synclatch store (`synclatch-server import-cognito`,
// docs/migrating-from-cognito.md): the pool's configuration, then a page of identities at a time, each
// identity with its developer logins and then every dataset whose source LastModifiedDate moved since the
// last import (ImportStorage's marks), read whole and written in one transaction.
//
// Safe to stop at any moment: a dataset is written whole or not at all, and the run's position (the
// source's ListIdentities token after the last page fully copied) is saved with each page, so the next run
// resumes there. Safe to run again: datasets already copied are passed over unless the source moved, and a
// dataset written on the target since it was imported is reported, never overwritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "import/capped_list.hpp"
#include "import/cognito_source.hpp"
#include "store/storage.hpp"

namespace synclatch::server {

struct ImportProgress {
    std::int64_t identities = 0;          // seen in this run
    std::int64_t datasets = 0;            // seen at the source
    std::int64_t datasets_copied = 0;     // written (dry run: that would be)
    std::int64_t datasets_unchanged = 0;  // passed over: the source has not moved since the last import
    std::int64_t datasets_removed = 0;    // gone at the source since the last import, deleted here
    std::int64_t records = 0;             // copied, removed ones included (dry run: NumRecords)
    std::int64_t bytes = 0;               // DataStorage of the datasets seen
    std::int64_t pool_bytes = 0;          // the source pool's DataStorage (0: not known)
};

struct ImportOptions {
    bool dry_run = false;  // read and count, write nothing
    bool restart = false;  // start from the first identity even if a run was left unfinished
    std::function<sync::EpochMillis()> clock;  // empty: the system clock
    // Called after each identity (from the importing thread).
    std::function<void(const ImportProgress&)> progress;
    std::function<bool()> stop_requested;  // checked between datasets; the source checks it too
};

struct ImportReport {
    ImportProgress totals;
    bool finished = false;               // every identity was seen (else stopped: the next run resumes)
    bool resumed = false;                // this run took up where an unfinished one stopped
    std::int64_t identities_before = 0;  // resumed: how many identities the earlier runs had seen
    // Datasets and identities left as they were, with why (changed on the target, over a quota, ...).
    CappedList<std::string> refused;
    // What the operator has to know or do (settings that cannot come over the API, ...).
    CappedList<std::string> notes;
};

// Copies the source's pool into store. An error stops the run (a storage failure, or the source failing
// past its retries); what was copied before it stays, and the next run resumes.
Result<ImportReport> import_pool(CognitoSource& source, Storage& store, const ImportOptions& options);

}  // namespace synclatch::server
