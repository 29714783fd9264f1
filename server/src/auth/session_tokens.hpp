// Sync session tokens: ListRecords issues one; UpdateRecords must present it. A token binds an identity,
// a dataset and an expiry, signed with HMAC-SHA256 under the server secret, so nothing is stored.
#pragma once

#include <string>
#include <string_view>

#include "synclatch/core/status.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::server {

// Thread-safety: immutable after construction; use from any thread.
class SessionTokens {
  public:
    SessionTokens(std::string secret, sync::EpochMillis lifetime_ms);

    std::string issue(std::string_view identity_id, std::string_view dataset, sync::EpochMillis now) const;
    // ok, or invalid_argument (malformed, forged, for another identity or dataset, or expired).
    Status check(std::string_view token, std::string_view identity_id, std::string_view dataset,
                 sync::EpochMillis now) const;

  private:
    std::string mac(std::string_view identity_id, std::string_view dataset, std::string_view expiry) const;

    std::string secret_;
    sync::EpochMillis lifetime_ms_;
};

}  // namespace synclatch::server
