// The Cognito Sync REST operations (PROTOCOL.md §2) over Storage: routing by method and decoded path,
// authorization of the principal, parsing of query and body, session tokens, and typed errors.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/principal.hpp"
#include "auth/session_tokens.hpp"
#include "hooks/sync_triggers.hpp"
#include "http/http_types.hpp"
#include "http/request_target.hpp"
#include "processors/bulk_publisher.hpp"
#include "push/push_hub.hpp"
#include "store/storage.hpp"

namespace synclatch::server {

struct SyncRoute;  // an operation named by method and path (sync_api.cpp)
struct SyncCall;   // one request being answered (sync_api.cpp)

// Thread-safety: handle() may run on several threads at once.
class SyncApi {
  public:
    // push may be null (no push sync): then nobody is told of changes.
    SyncApi(Storage& store, const SessionTokens& tokens, std::function<EpochMillis()> clock, PushHub* push,
            BulkPublisher& bulk_publisher, const SyncTriggers& triggers);

    // The Cognito Sync operation a request names ("ListRecords", ...), or "Unknown"; for metrics.
    static std::string_view operation_name(const HttpRequest& request, const RequestTarget& target);

    // Answers one request that has been authenticated as principal. Never throws. UpdateRecords suspends
    // the coroutine, not a thread, while its group commit becomes durable.
    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request, const RequestTarget& target,
                                                const Principal& principal) const;

  private:
    // Valid ids, and the principal may act on them (the identity is in the pool named by the path).
    Status authorize(const SyncRoute& route, const Principal& principal) const;
    boost::asio::awaitable<HttpResponse> update_records(const HttpRequest& request,
                                                        const SyncRoute& route) const;
    // Every other operation: answered at once, by its own handler.
    // Runs the pool's SyncTrigger over the patches and rewrites them with its answer. Returns the stored
    // records of the patches it left out, or the error to answer with (nothing written).
    boost::asio::awaitable<std::variant<std::vector<sync::WireRecord>, HttpResponse>> run_sync_trigger(
        const std::string& trigger, const SyncRoute& r, std::vector<sync::RecordPatch>& patches,
        unsigned version, bool keep_alive) const;
    HttpResponse answer(const HttpRequest& request, const RequestTarget& target,
                        const SyncRoute& route) const;
    HttpResponse list_pool_usage(const SyncCall& call) const;
    HttpResponse describe_pool_usage(const SyncCall& call) const;
    HttpResponse pool_configuration(const SyncCall& call) const;
    HttpResponse get_cognito_events(const SyncCall& call) const;
    HttpResponse set_cognito_events(const SyncCall& call) const;
    HttpResponse bulk_publish(const SyncCall& call) const;
    HttpResponse get_bulk_publish_details(const SyncCall& call) const;
    HttpResponse describe_identity_usage(const SyncCall& call) const;
    HttpResponse list_datasets(const SyncCall& call) const;
    HttpResponse describe_dataset(const SyncCall& call) const;
    HttpResponse delete_dataset(const SyncCall& call) const;
    HttpResponse list_records(const SyncCall& call) const;
    HttpResponse register_device(const SyncCall& call) const;
    HttpResponse subscription(const SyncCall& call) const;
    // Tells devices (but the writer) that the dataset changed; devices are the dataset's subscribers.
    void notify_subscribers(std::vector<std::string> devices, const std::string& pool,
                            const std::string& identity, const std::string& dataset,
                            const std::string& writer_device, std::int64_t sync_count) const;

    Storage& store_;
    const SessionTokens& tokens_;
    std::function<EpochMillis()> clock_;
    PushHub* push_;
    BulkPublisher& bulk_publisher_;
    const SyncTriggers& triggers_;
};

}  // namespace synclatch::server
