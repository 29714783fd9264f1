// Cognito Sync routes. Paths: {P} = /identitypools/{IdentityPoolId}, {I} = {P}/identities/{IdentityId}.
#include "api/sync_api.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <variant>

#include "api/pool_configuration.hpp"
#include "http/error_response.hpp"
#include "push/push_relay.hpp"
#include "store/record_versions.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;
using json = nlohmann::json;
using sync::WireRecord;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

}  // namespace

// The operation a request names, with its path parameters.
struct SyncRoute {
    enum class Op {
        none,
        list_pool_usage,
        describe_pool_usage,
        get_pool_configuration,
        set_pool_configuration,
        get_cognito_events,
        set_cognito_events,
        bulk_publish,
        get_bulk_publish_details,
        describe_identity_usage,
        list_datasets,
        describe_dataset,
        delete_dataset,
        update_records,
        list_records,
        register_device,
        subscribe,
        unsubscribe,
    };
    Op op = Op::none;
    std::string pool;
    std::string identity;
    std::string dataset;
    std::string device;
};

namespace {

SyncRoute route(http::verb method, const std::vector<std::string>& s) {
    SyncRoute r;
    if (s.empty() || s[0] != "identitypools") return r;
    const bool get = method == http::verb::get;
    if (s.size() == 1) {
        if (get) r.op = SyncRoute::Op::list_pool_usage;
        return r;
    }
    r.pool = s[1];
    if (s.size() == 2) {
        if (get) r.op = SyncRoute::Op::describe_pool_usage;
        return r;
    }
    if (s.size() == 3 && s[2] == "bulkpublish" && method == http::verb::post) {
        r.op = SyncRoute::Op::bulk_publish;
        return r;
    }
    if (s.size() == 3 && s[2] == "getBulkPublishDetails" && method == http::verb::post) {
        r.op = SyncRoute::Op::get_bulk_publish_details;
        return r;
    }
    if (s.size() == 3 && s[2] == "events") {
        if (get) r.op = SyncRoute::Op::get_cognito_events;
        if (method == http::verb::post) r.op = SyncRoute::Op::set_cognito_events;
        return r;
    }
    if (s.size() == 3 && s[2] == "configuration") {
        if (get) r.op = SyncRoute::Op::get_pool_configuration;
        if (method == http::verb::post) r.op = SyncRoute::Op::set_pool_configuration;
        return r;
    }
    if (s[2] == "identity" && s.size() == 5 && s[4] == "device" && method == http::verb::post) {
        r.identity = s[3];  // RegisterDevice: the only route with the singular "identity"
        r.op = SyncRoute::Op::register_device;
        return r;
    }
    if (s[2] != "identities" || s.size() < 4) return r;
    r.identity = s[3];
    if (s.size() == 4) {
        if (get) r.op = SyncRoute::Op::describe_identity_usage;
        return r;
    }
    if (s[4] != "datasets") return r;
    if (s.size() == 5) {
        if (get) r.op = SyncRoute::Op::list_datasets;
        return r;
    }
    r.dataset = s[5];
    if (s.size() == 6) {
        if (method == http::verb::get) r.op = SyncRoute::Op::describe_dataset;
        if (method == http::verb::delete_) r.op = SyncRoute::Op::delete_dataset;
        if (method == http::verb::post) r.op = SyncRoute::Op::update_records;
    } else if (s.size() == 7 && s[6] == "records" && get) {
        r.op = SyncRoute::Op::list_records;
    } else if (s.size() == 8 && s[6] == "subscriptions") {
        r.device = s[7];
        if (method == http::verb::post) r.op = SyncRoute::Op::subscribe;
        if (method == http::verb::delete_) r.op = SyncRoute::Op::unsubscribe;
    }
    return r;
}

}  // namespace

std::string_view SyncApi::operation_name(const HttpRequest& request, const RequestTarget& target) {
    switch (route(request.method(), target.segments).op) {
        case SyncRoute::Op::list_pool_usage:
            return "ListIdentityPoolUsage";
        case SyncRoute::Op::describe_pool_usage:
            return "DescribeIdentityPoolUsage";
        case SyncRoute::Op::get_pool_configuration:
            return "GetIdentityPoolConfiguration";
        case SyncRoute::Op::set_pool_configuration:
            return "SetIdentityPoolConfiguration";
        case SyncRoute::Op::get_cognito_events:
            return "GetCognitoEvents";
        case SyncRoute::Op::set_cognito_events:
            return "SetCognitoEvents";
        case SyncRoute::Op::bulk_publish:
            return "BulkPublish";
        case SyncRoute::Op::get_bulk_publish_details:
            return "GetBulkPublishDetails";
        case SyncRoute::Op::describe_identity_usage:
            return "DescribeIdentityUsage";
        case SyncRoute::Op::list_datasets:
            return "ListDatasets";
        case SyncRoute::Op::describe_dataset:
            return "DescribeDataset";
        case SyncRoute::Op::delete_dataset:
            return "DeleteDataset";
        case SyncRoute::Op::update_records:
            return "UpdateRecords";
        case SyncRoute::Op::list_records:
            return "ListRecords";
        case SyncRoute::Op::register_device:
            return "RegisterDevice";
        case SyncRoute::Op::subscribe:
            return "SubscribeToDataset";
        case SyncRoute::Op::unsubscribe:
            return "UnsubscribeFromDataset";
        case SyncRoute::Op::none:
            break;
    }
    return "Unknown";
}

void SyncApi::notify_subscribers(std::vector<std::string> devices, const std::string& pool,
                                 const std::string& identity, const std::string& dataset,
                                 const std::string& writer_device, std::int64_t sync_count) const {
    std::erase(devices, writer_device);  // the device that wrote needs no hint
    if (devices.empty()) return;
    // PROTOCOL.md §3.6; syncCount is a string because the Android SDK parses it as one.
    const json payload = {{"source", "cognito-sync"},
                          {"identityPoolId", pool},
                          {"identityId", identity},
                          {"datasetName", dataset},
                          {"syncCount", std::to_string(sync_count)}};
    const std::string topic = identity + "/" + dataset;
    const std::string text = payload.dump();
    push_->publish(devices, topic, text);
    send_push_hint(store_.bus(), devices, topic, text);  // devices connected to the database's other servers
}

SyncApi::SyncApi(Storage& store, const SessionTokens& tokens, std::function<EpochMillis()> clock,
                 PushHub* push, BulkPublisher& bulk_publisher, const SyncTriggers& triggers)
    : store_(store),
      tokens_(tokens),
      clock_(std::move(clock)),
      push_(push),
      bulk_publisher_(bulk_publisher),
      triggers_(triggers) {}

boost::asio::awaitable<HttpResponse> SyncApi::handle(const HttpRequest& request, const RequestTarget& target,
                                                     const Principal& principal) const {
    const SyncRoute r = route(request.method(), target.segments);
    if (r.op == SyncRoute::Op::none) {
        co_return error_response(
            {Errc::not_found, "no operation " + std::string(request.method_string()) + " " + target.raw_path},
            request.version(), request.keep_alive());
    }
    if (Status s = authorize(r, principal); !s.ok())
        co_return error_response(s, request.version(), request.keep_alive());
    if (r.op == SyncRoute::Op::update_records) co_return co_await update_records(request, r);
    co_return answer(request, target, r);
}

Status SyncApi::authorize(const SyncRoute& r, const Principal& principal) const {
    if (!r.pool.empty()) {
        if (Status s = core::validate_identity_pool_id(r.pool); !s.ok()) return s;
    }
    if (!r.dataset.empty()) {
        if (Status s = core::validate_dataset_name(r.dataset); !s.ok()) return s;
    }
    if (r.identity.empty()) {
        if (!principal.may_act_on_pools())
            return {Errc::unauthorized, "pool-level operations need the developer credentials"};
        return {};
    }
    if (Status s = core::validate_identity_id(r.identity); !s.ok()) return s;
    if (!principal.may_act_on_identity(r.identity))
        return {Errc::unauthorized, "Access to Identity '" + r.identity + "' is forbidden."};
    auto pool = store_.pool_of(r.identity);
    if (!pool.ok()) return pool.status();
    if (*pool != r.pool) return {Errc::not_found, "Identity '" + r.identity + "' is not in pool " + r.pool};
    return {};
}

boost::asio::awaitable<HttpResponse> SyncApi::update_records(const HttpRequest& request,
                                                             const SyncRoute& r) const {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto fail = [&](const Status& status) { return error_response(status, version, keep_alive); };
    auto update = sync::decode_update_records_request(request.body());
    if (!update.ok()) co_return fail(update.status());
    if (update->device_id.size() > core::kMaxDeviceIdLength)
        co_return fail(invalid("DeviceId is longer than 256 characters"));
    const auto now = clock_();
    if (Status s = tokens_.check(update->sync_session_token, r.identity, r.dataset, now); !s.ok())
        co_return fail(s);
    // Cognito Events: the pool's SyncTrigger may rewrite the patches first (nothing is written on failure).
    auto trigger = store_.sync_trigger(r.pool);
    if (!trigger.ok()) co_return fail(trigger.status());
    std::vector<WireRecord> dropped;  // the stored records of the patches the trigger left out
    if (!trigger->empty()) {
        // The request's bounds first (count, keys, values), so a hostile one costs no reads and no hook call.
        if (Status s = validate_patches(update->record_patches, store_.limits()); !s.ok()) co_return fail(s);
        auto ran = co_await run_sync_trigger(*trigger, r, update->record_patches, version, keep_alive);
        if (auto* error = std::get_if<HttpResponse>(&ran)) co_return std::move(*error);
        dropped = std::move(std::get<std::vector<WireRecord>>(ran));
        if (update->record_patches.empty())  // the trigger dropped them all: nothing to write
            co_return json_response(sync::update_records_body(dropped), version, keep_alive);
    }

    // Suspends this coroutine (not a thread) until the group commit holding the write is durable.
    auto written = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                        void(Result<UpdateRecordsOutcome>)>(
        [&](auto handler) {
            auto resume = std::make_shared<decltype(handler)>(std::move(handler));
            store_.submit_update_records(r.identity, r.dataset, r.identity, std::move(update->record_patches),
                                         now, [resume](Result<UpdateRecordsOutcome> result) {
                                             auto executor = boost::asio::get_associated_executor(*resume);
                                             boost::asio::post(
                                                 executor, [resume, result = std::move(result)]() mutable {
                                                     (*resume)(std::move(result));
                                                 });
                                         });
        },
        boost::asio::use_awaitable);
    if (!written.ok()) co_return fail(written.status());
    if (push_ != nullptr && !written->records.empty()) {
        notify_subscribers(std::move(written->subscribers), r.pool, r.identity, r.dataset, update->device_id,
                           written->records.front().sync_count);
    }
    // A dropped patch is answered with the server's record (or a bare key at sync count 0 when there is
    // none), so the device settles on it and stops pushing it, as after a Lambda that rejected the change.
    for (auto& record : dropped)
        written->records.push_back(std::move(record));
    co_return json_response(sync::update_records_body(written->records), version, keep_alive);
}

boost::asio::awaitable<std::variant<std::vector<WireRecord>, HttpResponse>> SyncApi::run_sync_trigger(
    const std::string& trigger, const SyncRoute& r, std::vector<sync::RecordPatch>& patches, unsigned version,
    bool keep_alive) const {
    std::vector<std::string> keys;
    for (const auto& patch : patches)
        keys.push_back(patch.key);
    auto stored = store_.stored_records(r.identity, r.dataset, keys);
    if (!stored.ok()) co_return error_response(stored.status(), version, keep_alive);
    // Stale patches fail before the trigger runs, dropped or not: so a dropped record's answer never
    // carries a sync count above the one the device sent, which the device could take for its own write.
    std::map<std::string, std::string> old_values;
    for (const auto& patch : patches) {
        auto it = stored->find(patch.key);
        if (it == stored->end()) continue;
        if (Status s = check_patch_sync_count(patch, it->second.sync_count); !s.ok())
            co_return error_response(s, version, keep_alive);
        if (it->second.value) old_values.emplace(patch.key, *it->second.value);
    }
    const json event = make_sync_trigger_event(r.pool, r.identity, r.dataset, patches, old_values);
    auto answer = co_await triggers_.invoke(trigger, event);
    if (const auto* error = std::get_if<TriggerError>(&answer))
        co_return error_response(error->type, error->message, version, keep_alive);
    std::string why_invalid;
    auto rewritten = apply_sync_trigger_answer(patches, std::get<json>(answer), why_invalid);
    if (!rewritten) {
        co_return error_response("InvalidLambdaFunctionOutputException", "SyncTrigger: " + why_invalid,
                                 version, keep_alive);
    }
    std::set<std::string_view> kept;
    for (const auto& patch : *rewritten)
        kept.insert(patch.key);
    std::vector<WireRecord> dropped;
    for (const auto& key : keys) {
        if (kept.contains(key)) continue;
        auto it = stored->find(key);
        dropped.push_back(it != stored->end() ? it->second : WireRecord{key, std::nullopt, 0, 0, "", 0});
    }
    patches = std::move(*rewritten);
    co_return dropped;
}

// One request being answered: what every handler reads, and how it answers.
struct SyncCall {
    const HttpRequest& request;
    const RequestTarget& target;
    const SyncRoute& route;

    HttpResponse fail(const Status& status) const {
        return error_response(status, request.version(), request.keep_alive());
    }
    HttpResponse ok(const json& body) const {
        return json_response(body.dump(), request.version(), request.keep_alive());
    }
};

HttpResponse SyncApi::answer(const HttpRequest& request, const RequestTarget& target,
                             const SyncRoute& r) const {
    const SyncCall call{request, target, r};
    switch (r.op) {
        case SyncRoute::Op::list_pool_usage:
            return list_pool_usage(call);
        case SyncRoute::Op::describe_pool_usage:
            return describe_pool_usage(call);
        case SyncRoute::Op::get_pool_configuration:
        case SyncRoute::Op::set_pool_configuration:
            return pool_configuration(call);
        case SyncRoute::Op::get_cognito_events:
            return get_cognito_events(call);
        case SyncRoute::Op::set_cognito_events:
            return set_cognito_events(call);
        case SyncRoute::Op::bulk_publish:
            return bulk_publish(call);
        case SyncRoute::Op::get_bulk_publish_details:
            return get_bulk_publish_details(call);
        case SyncRoute::Op::describe_identity_usage:
            return describe_identity_usage(call);
        case SyncRoute::Op::list_datasets:
            return list_datasets(call);
        case SyncRoute::Op::describe_dataset:
            return describe_dataset(call);
        case SyncRoute::Op::delete_dataset:
            return delete_dataset(call);
        case SyncRoute::Op::list_records:
            return list_records(call);
        case SyncRoute::Op::register_device:
            return register_device(call);
        case SyncRoute::Op::subscribe:
        case SyncRoute::Op::unsubscribe:
            return subscription(call);
        case SyncRoute::Op::update_records:  // asynchronous: see update_records()
        case SyncRoute::Op::none:
            break;
    }
    return call.fail({Errc::internal, "unrouted operation"});
}

HttpResponse SyncApi::list_pool_usage(const SyncCall& call) const {
    auto max = call.target.integer_param("maxResults", 0);
    if (!max.ok()) return call.fail(max.status());
    const std::int64_t page_size = *max > 0 ? std::min<std::int64_t>(*max, 60) : 60;
    const std::string after(call.target.param("nextToken").value_or(""));
    auto pools = store_.list_pool_usage(after, page_size + 1);
    if (!pools.ok()) return call.fail(pools.status());
    json body = json::object();
    if (static_cast<std::int64_t>(pools->size()) > page_size) {
        pools->pop_back();
        body["NextToken"] = pools->back().identity_pool_id;  // pool ids are public: the cursor needs no cover
    }
    json usages = json::array();
    for (const auto& usage : *pools)
        usages.push_back(sync::to_json(usage));
    body["Count"] = usages.size();
    body["MaxResults"] = page_size;
    body["IdentityPoolUsages"] = std::move(usages);
    return call.ok(body);
}

HttpResponse SyncApi::describe_pool_usage(const SyncCall& call) const {
    auto usage = store_.describe_pool_usage(call.route.pool);
    if (!usage.ok()) return call.fail(usage.status());
    return call.ok({{"IdentityPoolUsage", sync::to_json(*usage)}});
}

// GetIdentityPoolConfiguration, and SetIdentityPoolConfiguration, which answers what it stored.
HttpResponse SyncApi::pool_configuration(const SyncCall& call) const {
    const std::string& pool = call.route.pool;
    Result<std::string> stored = store_.pool_configuration(pool);
    if (call.route.op == SyncRoute::Op::set_pool_configuration) {
        auto body = sync::parse_json_body(call.request.body());
        if (!body.ok()) return call.fail(body.status());
        stored = store_.update_pool_configuration(pool, [&](std::string_view text) -> Result<std::string> {
            auto merged = merge_pool_configuration(sync::parse_json_text(text), *body);
            if (!merged.ok()) return merged.status();
            return merged->dump();
        });
    }
    if (!stored.ok()) return call.fail(stored.status());
    json answer = sync::parse_json_text(*stored);
    if (!answer.is_object()) answer = json::object();
    answer["IdentityPoolId"] = pool;
    return call.ok(answer);
}

HttpResponse SyncApi::get_cognito_events(const SyncCall& call) const {
    auto events = store_.cognito_events(call.route.pool);
    if (!events.ok()) return call.fail(events.status());
    json parsed = sync::parse_json_text(*events);
    return call.ok({{"Events", parsed.is_object() ? parsed : json::object()}});
}

HttpResponse SyncApi::set_cognito_events(const SyncCall& call) const {
    auto body = sync::parse_json_body(call.request.body());
    if (!body.ok()) return call.fail(body.status());
    if (!body->is_object() || !body->contains("Events") || !body->at("Events").is_object())
        return call.fail(invalid("Events is required: an object of event names to settings"));
    const json& events = body->at("Events");
    std::string sync_trigger;
    for (const auto& [name, setting] : events.items()) {
        if (name != "SyncTrigger")
            return call.fail(invalid("the only Cognito Event is SyncTrigger, not " + name));
        if (!setting.is_string()) return call.fail(invalid("SyncTrigger must be a string"));
        sync_trigger = setting.get<std::string>();
        if (Status s = triggers_.validate(sync_trigger); !s.ok()) return call.fail(s);
    }
    if (Status s = store_.set_cognito_events(call.route.pool, events.dump(), sync_trigger); !s.ok())
        return call.fail(s);
    return call.ok(json::object());
}

HttpResponse SyncApi::bulk_publish(const SyncCall& call) const {
    const unsigned version = call.request.version();
    const bool keep_alive = call.request.keep_alive();
    auto started = bulk_publisher_.start(call.route.pool);
    if (!started.ok()) return call.fail(started.status());
    if (*started == BulkPublishStart::in_progress) {
        return error_response("DuplicateRequestException", "a bulk publish of this pool is in progress",
                              version, keep_alive);
    }
    if (*started == BulkPublishStart::already_streamed) {
        return error_response("AlreadyStreamedException",
                              "this pool was bulk published less than 24 hours ago", version, keep_alive);
    }
    return call.ok({{"IdentityPoolId", call.route.pool}});
}

HttpResponse SyncApi::get_bulk_publish_details(const SyncCall& call) const {
    auto details = store_.bulk_publish_details(call.route.pool);
    if (!details.ok()) return call.fail(details.status());
    json body = {{"IdentityPoolId", call.route.pool}, {"BulkPublishStatus", details->status}};
    if (details->started) body["BulkPublishStartTime"] = sync::epoch_seconds_json(*details->started);
    if (details->completed) body["BulkPublishCompleteTime"] = sync::epoch_seconds_json(*details->completed);
    if (!details->failure.empty()) body["FailureMessage"] = details->failure;
    return call.ok(body);
}

HttpResponse SyncApi::describe_identity_usage(const SyncCall& call) const {
    auto usage = store_.describe_identity_usage(call.route.identity);
    if (!usage.ok()) return call.fail(usage.status());
    return call.ok({{"IdentityUsage", sync::to_json(*usage)}});
}

HttpResponse SyncApi::list_datasets(const SyncCall& call) const {
    auto max = call.target.integer_param("maxResults", 0);
    if (!max.ok()) return call.fail(max.status());
    auto page = store_.list_datasets(call.route.identity, call.target.param("nextToken").value_or(""), *max);
    if (!page.ok()) return call.fail(page.status());
    json datasets = json::array();
    for (const auto& d : page->datasets)
        datasets.push_back(sync::to_json(d));
    json body = {{"Datasets", std::move(datasets)}, {"Count", page->datasets.size()}};
    if (page->next_token) body["NextToken"] = *page->next_token;
    return call.ok(body);
}

HttpResponse SyncApi::describe_dataset(const SyncCall& call) const {
    auto dataset = store_.describe_dataset(call.route.identity, call.route.dataset);
    if (!dataset.ok()) return call.fail(dataset.status());
    return call.ok({{"Dataset", sync::to_json(*dataset)}});
}

HttpResponse SyncApi::delete_dataset(const SyncCall& call) const {
    auto dataset = store_.delete_dataset(call.route.identity, call.route.dataset, clock_());
    if (!dataset.ok()) return call.fail(dataset.status());
    return call.ok({{"Dataset", sync::to_json(*dataset)}});
}

HttpResponse SyncApi::list_records(const SyncCall& call) const {
    auto last_sync_count = call.target.integer_param("lastSyncCount", 0);
    if (!last_sync_count.ok()) return call.fail(last_sync_count.status());
    auto max = call.target.integer_param("maxResults", 0);
    if (!max.ok()) return call.fail(max.status());
    const SyncRoute& r = call.route;
    auto page = store_.list_records(r.identity, r.dataset, *last_sync_count,
                                    call.target.param("nextToken").value_or(""), *max);
    if (!page.ok()) return call.fail(page.status());
    page->sync_session_token = tokens_.issue(r.identity, r.dataset, clock_());
    return json_response(sync::list_records_body(*page), call.request.version(), call.request.keep_alive());
}

HttpResponse SyncApi::register_device(const SyncCall& call) const {
    auto body = sync::parse_json_body(call.request.body());
    if (!body.ok()) return call.fail(body.status());
    const json& b = *body;
    if (!b.is_object() || !b.contains("Platform") || !b.at("Platform").is_string() || !b.contains("Token") ||
        !b.at("Token").is_string()) {
        return call.fail(invalid("Platform and Token are required strings"));
    }
    auto device = store_.register_device(call.route.identity, b.at("Platform").get<std::string>(),
                                         b.at("Token").get<std::string>(), clock_());
    if (!device.ok()) return call.fail(device.status());
    return call.ok({{"DeviceId", *device}});
}

// SubscribeToDataset and UnsubscribeFromDataset.
HttpResponse SyncApi::subscription(const SyncCall& call) const {
    const SyncRoute& r = call.route;
    if (r.device.empty() || r.device.size() > core::kMaxDeviceIdLength)
        return call.fail(invalid("DeviceId must be 1 to 256 characters"));
    Status done = r.op == SyncRoute::Op::subscribe ? store_.subscribe(r.identity, r.dataset, r.device)
                                                   : store_.unsubscribe(r.identity, r.dataset, r.device);
    if (!done.ok()) return call.fail(done);
    return call.ok(json::object());
}

}  // namespace synclatch::server
