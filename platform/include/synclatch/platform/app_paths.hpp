// Where an app keeps its local files on this OS, and the stable random id of this installation.
#pragma once

#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"

namespace synclatch::platform {

// The app's private data directory, created (mode 0700, with missing parents) when absent:
// Linux `$XDG_DATA_HOME/<app_id>` (when set to an absolute path) or `~/.local/share/<app_id>`;
// macOS `~/Library/Application Support/<app_id>`. The home directory is $HOME, else the user's passwd entry.
// invalid_argument for an app_id that is empty, contains '/' or is "." or ".."; storage when the directory
// cannot be created. Thread-safety: safe to call concurrently.
Result<std::string> app_data_dir(std::string_view app_id);

// This installation's device id: a random UUID v4 (lower case) kept in `<data_dir>/device-id`. The first
// call creates the file atomically (temp file, fsync, rename); later calls read it back. A file that does
// not hold a UUID is replaced. Concurrent first calls, from threads or processes, all return the same id.
// storage when the file cannot be read or written. Thread-safety: safe to call concurrently.
Result<std::string> device_id(const std::string& data_dir);

}  // namespace synclatch::platform
