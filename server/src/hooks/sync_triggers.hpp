// SyncTriggers: runs the SyncTrigger a pool's Cognito Events name (SetCognitoEvents). A setting is
//   "http://host:port/path"  a webhook: the event is POSTed as JSON, the answer is the rewritten event;
//                            answers in time (--sync-trigger-timeout-ms, 5 s by default) or fails
//   "synclatch:NAME"         an in-process C++ hook registered under NAME by the program embedding the
//                            server
// Failures answer as Cognito's did for its Lambda functions: a 429 from the webhook, or a hook that
// throws SyncTriggerThrottled, is LambdaThrottledException; anything else that goes wrong (unreachable,
// late, not 2xx, not the event's shape) is InvalidLambdaFunctionOutputException.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <variant>

#include "hooks/sync_trigger_event.hpp"

namespace synclatch::server {

// An in-process hook: takes the SyncTrigger event, returns the (possibly rewritten) event. It runs on a
// connection thread, so it must be quick. Throwing fails the UpdateRecords (nothing is written).
using SyncTriggerHook = std::function<nlohmann::json(const nlohmann::json& event)>;

// Thrown by a hook to answer LambdaThrottledException (429): the client may retry later.
struct SyncTriggerThrottled : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Thread-safety: register hooks before serving; then every const method may run on any thread.
class SyncTriggers {
  public:
    explicit SyncTriggers(std::chrono::milliseconds webhook_timeout = std::chrono::seconds(5));

    void register_hook(std::string name, SyncTriggerHook hook);
    // An acceptable SyncTrigger setting: a well-formed http:// URL, or synclatch:NAME of a registered hook.
    Status validate(std::string_view setting) const;
    // The hook's answer to event, or its failure as a typed error.
    boost::asio::awaitable<std::variant<nlohmann::json, TriggerError>> invoke(
        std::string_view setting, const nlohmann::json& event) const;

  private:
    std::chrono::milliseconds webhook_timeout_;
    std::map<std::string, SyncTriggerHook, std::less<>> hooks_;
};

}  // namespace synclatch::server
