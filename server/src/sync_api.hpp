// The Cognito Sync REST operations (PROTOCOL.md §2) over SyncStore: routing by method and decoded path,
// authorization of the principal, parsing of query and body, session tokens, and typed errors.
#pragma once

#include <functional>
#include <string_view>

#include "http_types.hpp"
#include "principal.hpp"
#include "push_hub.hpp"
#include "request_target.hpp"
#include "session_tokens.hpp"
#include "sync_store.hpp"

namespace synclatch::server {

// Thread-safety: handle() may run on several threads at once.
class SyncApi {
  public:
    // push may be null (no push sync): then nobody is told of changes.
    SyncApi(SyncStore& store, const SessionTokens& tokens, std::function<EpochMillis()> clock, PushHub* push);

    // The Cognito Sync operation a request names ("ListRecords", ...), or "Unknown"; for metrics.
    static std::string_view operation_name(const HttpRequest& request, const RequestTarget& target);

    // Answers one request that has been authenticated as principal. Never throws.
    HttpResponse handle(const HttpRequest& request, const RequestTarget& target,
                        const Principal& principal) const;

  private:
    void notify_subscribers(const std::string& pool, const std::string& identity, const std::string& dataset,
                            const std::string& writer_device, std::int64_t sync_count) const;

    SyncStore& store_;
    const SessionTokens& tokens_;
    std::function<EpochMillis()> clock_;
    PushHub* push_;
};

}  // namespace synclatch::server
