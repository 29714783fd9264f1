// Webhook and in-process SyncTrigger calls, and their errors as Cognito types.
#include "hooks/sync_triggers.hpp"

#include "hooks/webhook_client.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace {

constexpr std::string_view kInProcess = "synclatch:";
constexpr std::size_t kMaxAnswerBytes = 4 * 1024 * 1024;

TriggerError invalid_output(std::string message) {
    return {"InvalidLambdaFunctionOutputException", "SyncTrigger: " + std::move(message)};
}

}  // namespace

SyncTriggers::SyncTriggers(std::chrono::milliseconds webhook_timeout) : webhook_timeout_(webhook_timeout) {}

void SyncTriggers::register_hook(std::string name, SyncTriggerHook hook) {
    hooks_.insert_or_assign(std::move(name), std::move(hook));
}

Status SyncTriggers::validate(std::string_view setting) const {
    if (setting.starts_with(kInProcess)) {
        if (hooks_.find(setting.substr(kInProcess.size())) == hooks_.end())
            return {Errc::invalid_argument, "no in-process hook is registered as " + std::string(setting)};
        return {};
    }
    auto url = parse_webhook_url(setting);
    return url.ok() ? Status{} : url.status();
}

boost::asio::awaitable<std::variant<nlohmann::json, TriggerError>> SyncTriggers::invoke(
    std::string_view setting, const nlohmann::json& event) const {
    if (setting.starts_with(kInProcess)) {
        const auto hook = hooks_.find(setting.substr(kInProcess.size()));
        if (hook == hooks_.end()) co_return invalid_output("no in-process hook " + std::string(setting));
        try {
            co_return hook->second(event);
        } catch (const SyncTriggerThrottled& e) {
            co_return TriggerError{"LambdaThrottledException", std::string("SyncTrigger: ") + e.what()};
        } catch (const std::exception& e) {
            co_return invalid_output(e.what());
        }
    }
    auto url = parse_webhook_url(setting);
    if (!url.ok()) co_return invalid_output(url.status().message());
    auto answer = co_await post_webhook(*url, event.dump(), webhook_timeout_, kMaxAnswerBytes);
    if (!answer.ok()) co_return invalid_output(answer.status().message());
    if (answer->status == 429)
        co_return TriggerError{"LambdaThrottledException", "SyncTrigger: the webhook answered 429"};
    if (answer->status < 200 || answer->status > 299)
        co_return invalid_output("the webhook answered HTTP " + std::to_string(answer->status));
    auto parsed = sync::parse_json_text(answer->body);
    if (parsed.is_discarded()) co_return invalid_output("the webhook's answer is not JSON");
    co_return parsed;
}

}  // namespace synclatch::server
