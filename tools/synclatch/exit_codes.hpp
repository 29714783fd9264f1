// The synclatch CLI's exit codes, so scripts can tell a missing key from a network failure.
#pragma once

#include "synclatch/core/status.hpp"

namespace synclatch::cli {

enum ExitCode : int {
    kOk = 0,
    kFailed = 1,       // any other error (storage, invalid input, server refusal)
    kUsage = 2,        // bad command line
    kNotFound = 3,     // get: no such key
    kConflicts = 4,    // conflicts: some are waiting to be resolved
    kUnreachable = 5,  // the server could not be reached or did not answer in time: try again later
    kRefused = 6,      // the server refused the credentials
};

inline int exit_code_of(const Status& status) {
    switch (status.code()) {
        case Errc::ok:
            return kOk;
        case Errc::unavailable:
        case Errc::timeout:
        case Errc::throttled:
            return kUnreachable;
        case Errc::unauthorized:
            return kRefused;
        case Errc::not_found:
            return kNotFound;
        default:
            return kFailed;
    }
}

}  // namespace synclatch::cli
