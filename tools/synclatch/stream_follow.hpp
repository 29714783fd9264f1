// `synclatch tail`: follows one of the server's event streams (dataset-changes, events) by long-polling
// GET /streams/{name}/records, printing each record as it is appended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "output.hpp"
#include "synclatch/core/status.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::cli {

struct FollowOptions {
    sync::Endpoint endpoint;
    sync::sigv4::Credentials credentials;  // the server's developer credentials (--admin-key)
    std::string stream;
    std::int64_t after = 0;             // print records after this sequence number
    std::optional<std::int64_t> count;  // stop after this many records; none: follow until interrupted
    bool follow = true;                 // false: print what is there and stop
};

Status follow_stream(const FollowOptions& options, Output& output);

}  // namespace synclatch::cli
