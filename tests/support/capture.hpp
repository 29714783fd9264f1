// Capturing the HTTP exchanges tests make, to seed the fuzz corpora (scripts/fuzz-seeds.sh): when
// SYNCLATCH_CAPTURE_DIR names a directory, each request and its answer are written there as raw HTTP/1.1
// text, <pid>-<n>.request and <pid>-<n>.response, and bytes sent on raw connections (malformed on purpose)
// as <pid>-<n>.raw. Otherwise nothing happens.
#pragma once

#include <string_view>

namespace synclatch::test {

// Thread-safety: any thread.
bool capture_enabled();  // serializing an exchange costs: benchmarks share this client
void capture_exchange(std::string_view request, std::string_view response);
void capture_raw(std::string_view bytes);

}  // namespace synclatch::test
