// Names and retryability of error codes.
#include "synclatch/core/status.hpp"

namespace synclatch {

std::string_view to_string(Errc code) noexcept {
    switch (code) {
        case Errc::ok:
            return "ok";
        case Errc::invalid_argument:
            return "invalid_argument";
        case Errc::not_found:
            return "not_found";
        case Errc::conflict:
            return "conflict";
        case Errc::limit_exceeded:
            return "limit_exceeded";
        case Errc::unauthorized:
            return "unauthorized";
        case Errc::unavailable:
            return "unavailable";
        case Errc::timeout:
            return "timeout";
        case Errc::busy:
            return "busy";
        case Errc::throttled:
            return "throttled";
        case Errc::cancelled:
            return "cancelled";
        case Errc::storage:
            return "storage";
        case Errc::corrupt:
            return "corrupt";
        case Errc::internal:
            return "internal";
    }
    return "unknown";
}

bool is_retryable(Errc code) noexcept {
    switch (code) {
        case Errc::unavailable:
        case Errc::timeout:
        case Errc::busy:
        case Errc::throttled:
            return true;
        default:
            return false;
    }
}

std::string Status::to_string() const {
    std::string text(synclatch::to_string(code_));
    if (!message_.empty()) {
        text += ": ";
        text += message_;
    }
    return text;
}

}  // namespace synclatch
