// Reading the page of records that GET /streams/{name}/records answers (server/src/streams_api.cpp writes
// it) into a StreamPage: ServerStreams::read's decoding, on its own so that it can be tested and fuzzed
// without a server.
#pragma once

#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/platform/server_streams.hpp"

namespace synclatch::platform::detail {

// The page a 200 answer's body holds; invalid_argument when the body is not a stream page.
Result<StreamPage> parse_stream_page(std::string_view body);

}  // namespace synclatch::platform::detail
