// The import's final check: every dataset of the source pool read again, whole, from the source and from
// the target, and compared by record count, sync count and a checksum of every record (dataset_digest.hpp).
// On a pool that is still in use, datasets written since they were copied show as differences: a catch-up
// run copies them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "import/capped_list.hpp"
#include "import/cognito_source.hpp"
#include "store/storage.hpp"

namespace synclatch::server {

struct DatasetDifference {
    std::string identity_id;
    std::string dataset;  // empty: the identity itself is missing on the target
    std::string what;
};

struct VerificationReport {
    std::int64_t identities = 0;
    std::int64_t datasets = 0;
    std::int64_t records = 0;  // at the source, removed ones included
    CappedList<DatasetDifference> differences;
    bool complete = false;  // false: stopped before the last identity
};

struct VerificationOptions {
    std::function<void(const VerificationReport&)> progress;  // after each identity
    std::function<bool()> stop_requested;
};

Result<VerificationReport> verify_import(CognitoSource& source, const Storage& store,
                                         const VerificationOptions& options = {});

}  // namespace synclatch::server
