// How the CLI prints: human-readable text by default, one JSON document per command with --json; errors
// on stderr in both; and a progress line on stderr for long syncs when stderr is a terminal.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "synclatch/core/status.hpp"
#include "synclatch/sync/synchronizer.hpp"

namespace synclatch::cli {

// Thread-safety: one thread at a time (the CLI's calls, or the sync thread's progress callbacks).
// {"code", "message", "retryable"}
nlohmann::json error_json(const Status& status);

class Output {
  public:
    explicit Output(bool json);
    bool json() const { return json_; }

    // --json: the document on stdout; otherwise the text (a newline is added).
    void result(const nlohmann::json& document, std::string_view text);
    // "synclatch: <what>: <status>" on stderr; with --json, also {"error": {...}} on stdout.
    void error(std::string_view what, const Status& status);
    // The message on stderr only (the caller reports it in its own JSON document).
    void warn(std::string_view what, const Status& status);

    // The progress of one dataset's sync: redrawn in place on a terminal, silent otherwise.
    void progress(std::string_view dataset, const sync::SyncProgress& progress, std::int64_t to_push);
    void end_progress();

  private:
    bool json_;
    bool terminal_;
    bool drawn_ = false;
};

}  // namespace synclatch::cli
