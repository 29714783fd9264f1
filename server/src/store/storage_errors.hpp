// The errors every storage engine answers with the same words, so that a client sees one message whichever
// engine the server runs on (PROTOCOL.md §4).
#pragma once

#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

inline Status identity_not_found(std::string_view identity_id) {
    std::string message = "Identity '";
    message.append(identity_id).append("' not found.");
    return {Errc::not_found, std::move(message)};
}

inline Status pool_not_found(std::string_view pool_id) {
    std::string message = "IdentityPool '";
    message.append(pool_id).append("' not found.");
    return {Errc::not_found, std::move(message)};
}

// An identity whose last login was unlinked: no one may act as it any more (docs/identity.md).
inline Status identity_disabled(std::string_view identity_id) {
    std::string message = "Identity '";
    message.append(identity_id).append("' is disabled: its last login was unlinked");
    return {Errc::unauthorized, std::move(message)};
}

// An access key no identity that can act holds (unknown, revoked by a merge, deletion or unlink): the
// request's signature cannot be checked, which SigV4 callers answer as an invalid token.
inline Status credentials_not_found() {
    return {Errc::unauthorized, "The security token included in the request is invalid"};
}

// subscribe() and unsubscribe() of a device that is not the identity's.
inline Status device_not_registered(std::string_view device_id) {
    std::string message = "Device '";
    message.append(device_id).append("' is not registered for this identity");
    return {Errc::not_found, std::move(message)};
}

// device_owner() of an unknown device.
inline Status device_unknown(std::string_view device_id) {
    std::string message = "Device '";
    message.append(device_id).append("' is not registered");
    return {Errc::not_found, std::move(message)};
}

// publish_datasets() for a pool whose bulk publish is not IN_PROGRESS (any more): its runner stops.
inline Status bulk_publish_not_in_progress(std::string_view pool_id) {
    std::string message = "the bulk publish of ";
    message.append(pool_id).append(" is not in progress: it ended, or was failed as interrupted");
    return {Errc::cancelled, std::move(message)};
}

// RegisterDevice's Platform and Token, checked before any engine stores them.
Status validate_device_registration(std::string_view platform, std::string_view token);

}  // namespace synclatch::server
