// `synclatch replay`: reads a data lake (the NDJSON files synclatch-server writes, see server/src/
// data_lake.hpp) and replays its stream-events lines into a processor of a server, through
// POST /processors/{name}/replay, in order and in batches. A dry run (the default) only reads and reports.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "output.hpp"
#include "synclatch/core/status.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::cli {

struct ReplayOptions {
    std::string from;    // the lake's folder
    std::string prefix;  // only files whose path below `from` starts with it ("2026-11-30/", ...)
    std::optional<sync::Endpoint> to;
    std::optional<sync::sigv4::Credentials> credentials;  // the target's developer credentials
    std::string processor = "listener";
    bool dry_run = true;
};

struct ReplaySummary {
    std::int64_t files = 0;
    std::int64_t lines = 0;
    std::int64_t events = 0;                       // lines of stream events: what is replayed
    std::int64_t malformed = 0;                    // lines that are not lake records (skipped, reported)
    std::map<std::string, std::int64_t> by_type;   // events by their type
    std::map<std::string, std::int64_t> outcomes;  // what the processor did (not in a dry run)
};

// Reads (and unless dry_run, sends) the lake; progress on a terminal's stderr. Errors: not_found for a
// missing folder, unavailable when the target cannot be reached, unauthorized when it refuses.
Result<ReplaySummary> replay_lake(const ReplayOptions& options, Output& output);

}  // namespace synclatch::cli
