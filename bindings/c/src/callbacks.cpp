// The C API's calls that take the app's callbacks: syncs with conflicts and progress (blocking and
// asynchronous), dataset listeners, and delivering a callback through the app's post.
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "handles.hpp"

namespace synclatch::c_api {

namespace {

// A posted task: the call it owns runs once, and nothing it throws reaches the app's loop.
extern "C" void run_posted(void* task) {
    std::unique_ptr<std::function<void()>> call(static_cast<std::function<void()>*>(task));
    try {
        (*call)();
    } catch (...) {
    }
}

const char* value_of(const std::optional<std::string>& value, std::size_t* size) {
    if (size != nullptr) *size = value ? value->size() : 0;
    return value ? value->data() : nullptr;
}

// SyncOptions carrying the app's callbacks, each given `context` (kept alive by the options themselves).
sync::SyncOptions sync_options(const sl_sync_options* options, std::shared_ptr<AppContext> context) {
    sync::SyncOptions out;
    if (options == nullptr) return out;
    out.full_pull = options->full_pull;
    if (const sl_conflict_fn on_conflict = options->on_conflict) {
        out.on_conflict = [on_conflict, context](std::span<sync::Conflict> conflicts) {
            std::vector<sl_conflict> wrapped;
            std::vector<sl_conflict*> pointers;
            wrapped.reserve(conflicts.size());
            for (auto& conflict : conflicts)
                wrapped.push_back(sl_conflict{&conflict});
            for (auto& conflict : wrapped)
                pointers.push_back(&conflict);
            return on_conflict(context->context, pointers.data(), pointers.size());
        };
    }
    if (const sl_progress_fn on_progress = options->on_progress) {
        out.on_progress = [on_progress, context](const sync::SyncProgress& progress) {
            on_progress(
                context->context,
                progress.phase == sync::SyncProgress::Phase::pulling ? SL_SYNC_PULLING : SL_SYNC_PUSHING,
                progress.records, progress.pages);
        };
    }
    return out;
}

sl_sync_result result_of(const sync::SyncResult& r) {
    return {r.pulled, r.pushed, r.conflicts, r.requests, r.sync_count};
}

// A SyncRequest whose outcome goes to done(context, ...), delivered as the client delivers its callbacks.
SyncRequest calling_back(sl_sync_done_fn done, const std::shared_ptr<AppContext>& holder, Delivery delivery) {
    SyncRequest request;
    request.on_success = [done, holder, delivery](const sync::SyncResult& synced) {
        delivery.deliver([done, holder, result = result_of(synced)] {
            sl_error ok{};
            done(holder->context, &result, &ok);
        });
    };
    request.on_failure = [done, holder, delivery](const Status& status) {
        delivery.deliver([done, holder, status] {
            sl_error failed{};
            report(status, &failed);
            done(holder->context, nullptr, &failed);
        });
    };
    return request;
}

}  // namespace

void Delivery::post_task(std::function<void()> call) const {
    auto task = std::make_unique<std::function<void()>>(std::move(call));
    post(post_context, &run_posted, task.get());
    task.release();  // run_posted owns it now
}

}  // namespace synclatch::c_api

using namespace synclatch;
using c_api::guarded;
using c_api::refuse;
using c_api::report;

extern "C" {

const char* sl_conflict_key(const sl_conflict* conflict, size_t* size) {
    if (conflict == nullptr) return c_api::value_of(std::nullopt, size);
    if (size != nullptr) *size = conflict->conflict->key().size();
    return conflict->conflict->key().data();
}

const char* sl_conflict_local_value(const sl_conflict* conflict, size_t* size) {
    if (conflict == nullptr) return c_api::value_of(std::nullopt, size);
    return c_api::value_of(conflict->conflict->local().value, size);
}

const char* sl_conflict_remote_value(const sl_conflict* conflict, size_t* size) {
    if (conflict == nullptr) return c_api::value_of(std::nullopt, size);
    return c_api::value_of(conflict->conflict->remote().value, size);
}

void sl_conflict_resolve_with_local(sl_conflict* conflict) {
    if (conflict != nullptr) conflict->conflict->resolve_with_local();
}

void sl_conflict_resolve_with_remote(sl_conflict* conflict) {
    if (conflict != nullptr) conflict->conflict->resolve_with_remote();
}

void sl_conflict_resolve_with_value(sl_conflict* conflict, const char* value, size_t size) {
    if (conflict == nullptr) return;
    guarded(nullptr, false, [&] {
        if (value == nullptr && size == 0) {
            conflict->conflict->resolve_with_value(std::nullopt);
        } else if (value != nullptr) {
            conflict->conflict->resolve_with_value(std::string(value, size));
        }
        return true;
    });
}

bool sl_client_synchronize(sl_client* client, const char* dataset, const sl_sync_options* options,
                           sl_sync_result* result, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        auto context =
            std::make_shared<c_api::AppContext>(options != nullptr ? options->context : nullptr, nullptr);
        auto synced =
            client->state->client->synchronize(dataset, c_api::sync_options(options, std::move(context)));
        if (!report(synced.status(), error)) return false;
        if (result != nullptr) *result = c_api::result_of(*synced);
        return true;
    });
}

bool sl_client_synchronize_async(sl_client* client, const char* dataset, const sl_sync_options* options,
                                 sl_sync_done_fn done, void* context, sl_free_fn free_context,
                                 sl_error* error) {
    auto holder = std::make_shared<c_api::AppContext>(context, free_context);  // freed on every way out
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        if (done == nullptr) return refuse(error, "done must not be NULL");
        SyncRequest request = c_api::calling_back(done, holder, client->state->delivery);
        request.options = c_api::sync_options(options, holder);
        client->state->client->synchronize_async(dataset, std::move(request));
        c_api::set_ok(error);
        return true;
    });
}

bool sl_client_start_background_sync(sl_client* client, const char* dataset,
                                     const sl_background_sync_options* options, sl_error* error) {
    // The context is freed on every way out, as the callbacks' last holder goes.
    auto holder = options == nullptr
                      ? nullptr
                      : std::make_shared<c_api::AppContext>(options->context, options->free_context);
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        BackgroundSyncOptions background;
        if (options != nullptr) {
            if (options->interval_ms < -1 || options->after_local_change_ms < 0)
                return refuse(error, "interval_ms must be -1 or more, after_local_change_ms 0 or more");
            if (options->interval_ms == -1) background.interval = std::chrono::milliseconds(0);
            if (options->interval_ms > 0)
                background.interval = std::chrono::milliseconds(options->interval_ms);
            if (options->after_local_change_ms > 0)
                background.after_local_change = std::chrono::milliseconds(options->after_local_change_ms);
            if (options->on_done != nullptr) {
                background.request = c_api::calling_back(options->on_done, holder, client->state->delivery);
            } else {
                background.request.on_success = [holder](const sync::SyncResult&) {};  // keeps the context
            }
        }
        return report(client->state->client->start_background_sync(dataset, std::move(background)), error);
    });
}

void sl_client_stop_background_sync(sl_client* client, const char* dataset) {
    if (client == nullptr || dataset == nullptr) return;
    guarded(nullptr, false, [&] {
        client->state->client->stop_background_sync(dataset);
        return true;
    });
}

sl_listener* sl_dataset_add_listener(sl_dataset* dataset, sl_change_fn on_change, void* context,
                                     sl_free_fn free_context, sl_error* error) {
    auto holder = std::make_shared<c_api::AppContext>(context, free_context);  // freed on every way out
    return guarded(error, static_cast<sl_listener*>(nullptr), [&]() -> sl_listener* {
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL"), nullptr;
        if (on_change == nullptr) return refuse(error, "on_change must not be NULL"), nullptr;
        const c_api::Delivery delivery = dataset->state->delivery;
        auto listener = std::make_unique<sl_listener>();
        listener->subscription =
            dataset->dataset.on_change([on_change, holder, delivery](const core::Change& change) {
                delivery.deliver([on_change, holder, change] {
                    sl_change out{change.key.data(),
                                  change.key.size(),
                                  change.value ? change.value->data() : nullptr,
                                  change.value ? change.value->size() : 0,
                                  change.origin == core::Origin::remote,
                                  change.seq};
                    on_change(holder->context, &out);
                });
            });
        c_api::set_ok(error);
        return listener.release();
    });
}

void sl_listener_release(sl_listener* listener) {
    delete listener;
}

}  // extern "C"
