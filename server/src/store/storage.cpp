// What every engine shares: the rules of deployment ids and device registrations, the names of apply
// outcomes.
#include <cctype>

#include "store/storage.hpp"
#include "store/storage_errors.hpp"

namespace synclatch::server {

Status validate_deployment_id(std::string_view id) {
    const std::string rule = "a deployment id is 1 to 64 characters of [A-Za-z0-9_.-]";
    if (id.empty() || id.size() > 64) return {Errc::invalid_argument, rule};
    for (char c : id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
            return {Errc::invalid_argument, rule + "; '" + std::string(id) + "' is not"};
    }
    return {};
}

Status validate_device_registration(std::string_view platform, std::string_view token) {
    if (platform != "APNS" && platform != "APNS_SANDBOX" && platform != "GCM" && platform != "ADM")
        return {Errc::invalid_argument, "Platform must be APNS, APNS_SANDBOX, GCM or ADM"};
    if (token.empty() || token.size() > 1024)
        return {Errc::invalid_argument, "Token must be 1 to 1024 characters"};
    return {};
}

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
