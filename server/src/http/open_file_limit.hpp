// The process's open-file limit: every connection holds a descriptor, so the server raises its soft limit
// to the hard one at start and fits --max-connections under it.
#pragma once

#include <cstddef>

namespace synclatch::server {

// Raises RLIMIT_NOFILE's soft limit to its hard limit (logging what it got); returns the soft limit now
// in force (0 when unknown).
std::size_t raise_open_file_limit();

// Descriptors kept for what is not a client connection: the database and its WAL, the lake, webhooks,
// bridges, listening sockets.
inline constexpr std::size_t kDescriptorsKeptForServer = 64;

}  // namespace synclatch::server
