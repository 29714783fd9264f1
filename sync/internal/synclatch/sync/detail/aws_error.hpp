// Turning an AWS JSON error answer (PROTOCOL.md §4) into a Status.
#pragma once

#include <string>

#include "synclatch/core/status.hpp"
#include "synclatch/sync/http_client.hpp"

namespace synclatch::sync::detail {

// The Status for a non-2xx answer: the error type from x-amzn-ErrorType or the body's "__type", the
// message from "message" (or "Message"). Conflict, not found, invalid input, unauthorized, limits and
// throttling map to their codes; 5xx and unknown answers to unavailable (retryable).
Status status_from_error(const HttpResponse& response);

}  // namespace synclatch::sync::detail
