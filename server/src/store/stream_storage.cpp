// What every engine shares of StreamStorage: the names of apply outcomes.
#include "store/stream_storage.hpp"

namespace synclatch::server {

const char* apply_outcome_name(ApplyOutcome outcome) {
    switch (outcome) {
        case ApplyOutcome::applied:
            return "applied";
        case ApplyOutcome::duplicate:
            return "duplicate";
        case ApplyOutcome::stale:
            return "stale";
        case ApplyOutcome::rejected:
            break;
    }
    return "rejected";
}


}  // namespace synclatch::server
