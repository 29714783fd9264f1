// Everything an app needs, in one include: the client facade, local datasets and records, the sync
// engine's options and results, conflicts and their resolve helpers, app paths and connectivity.
#pragma once

#include "synclatch/client.hpp"
#include "synclatch/core/dataset.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/core/status.hpp"
#include "synclatch/platform/app_paths.hpp"
#include "synclatch/platform/connectivity.hpp"
#include "synclatch/platform/manual_connectivity.hpp"
#include "synclatch/sync/conflict.hpp"
#include "synclatch/sync/synchronizer.hpp"

namespace synclatch {
// The names an app uses most, without their part's namespace.
using core::Change;
using core::Dataset;
using core::Record;
using sync::Conflict;
using sync::SyncOptions;
using sync::SyncResult;
}  // namespace synclatch
