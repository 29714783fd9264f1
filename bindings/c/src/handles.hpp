// What the C API's opaque handles hold, and the helpers every entry point uses: filling the caller's
// sl_error, and running a body so that no exception crosses into C.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "synclatch/client.hpp"
#include "synclatch/core/dataset.hpp"
#include "synclatch/platform/manual_connectivity.hpp"
#include "synclatch/sync/conflict.hpp"
#include "synclatch/synclatch.h"

namespace synclatch::c_api {

// Every handle alive now (sl_live_handles): each kind counts itself in and out.
inline std::atomic<std::int64_t> live_handles{0};

struct Counted {
    Counted() { live_handles.fetch_add(1, std::memory_order_relaxed); }
    Counted(const Counted&) = delete;
    Counted& operator=(const Counted&) = delete;
    ~Counted() { live_handles.fetch_sub(1, std::memory_order_relaxed); }
};

// The app's context for a callback: freed once, when the last holder (a callback, a queued task) goes.
struct AppContext {
    void* context = nullptr;
    sl_free_fn free = nullptr;
    AppContext(void* c, sl_free_fn f) : context(c), free(f) {}
    AppContext(const AppContext&) = delete;
    AppContext& operator=(const AppContext&) = delete;
    ~AppContext() {
        if (free != nullptr) free(context);
    }
};

// How asynchronous callbacks reach the app: called at once on the library's thread, or handed to the
// app's post (sl_client_options) to run on its loop.
struct Delivery {
    sl_post_fn post = nullptr;
    void* post_context = nullptr;

    // Runs call now, or posts a copy of it.
    template <class Call>
    void deliver(Call&& call) const {
        if (post == nullptr) {
            call();
            return;
        }
        post_task(std::function<void()>(std::forward<Call>(call)));
    }
    void post_task(std::function<void()> call) const;
};

// The client, the monitor it is fed by when the app reports connectivity, and how callbacks are delivered;
// shared by the client's handle and its datasets' handles, so a dataset may outlive the client's handle.
struct ClientState {
    std::shared_ptr<platform::ManualConnectivity> connectivity;  // null: the OS's monitor
    Delivery delivery;
    std::unique_ptr<Client> client;  // last: closed (its sync thread joined) before the rest goes
};

}  // namespace synclatch::c_api

struct sl_client : synclatch::c_api::Counted {
    std::shared_ptr<synclatch::c_api::ClientState> state;
};

struct sl_dataset : synclatch::c_api::Counted {
    std::shared_ptr<synclatch::c_api::ClientState> state;  // keeps the client (and its store) open
    synclatch::core::Dataset dataset;
    sl_dataset(std::shared_ptr<synclatch::c_api::ClientState> s, synclatch::core::Dataset d)
        : state(std::move(s)), dataset(std::move(d)) {}
};

struct sl_listener : synclatch::c_api::Counted {
    synclatch::core::Subscription subscription;
};

// Not a handle: valid during an sl_conflict_fn call only.
struct sl_conflict {
    synclatch::sync::Conflict* conflict;
};

struct sl_string : synclatch::c_api::Counted {
    std::string bytes;
    explicit sl_string(std::string b) : bytes(std::move(b)) {}
};

namespace synclatch::c_api {

void set_error(sl_error* error, sl_code code, std::string_view message);
inline void set_ok(sl_error* error) {
    set_error(error, SL_OK, {});
}
// Fills `error` from `status`; true when it is ok.
bool report(const Status& status, sl_error* error);
// A bad argument: SL_INVALID_ARGUMENT; false.
inline bool refuse(sl_error* error, std::string_view message) {
    set_error(error, SL_INVALID_ARGUMENT, message);
    return false;
}
// Bytes passed with their length: NULL only for an empty span.
inline bool valid_bytes(const char* data, std::size_t size) {
    return data != nullptr || size == 0;
}
inline std::string_view bytes(const char* data, std::size_t size) {
    return size == 0 ? std::string_view() : std::string_view(data, size);
}

// Runs body (which reports its own outcome) and turns an escaping exception into SL_INTERNAL (or
// SL_STORAGE for running out of memory), returning `failed` then.
template <class T, class Body>
T guarded(sl_error* error, T failed, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        set_error(error, SL_STORAGE, "out of memory");
    } catch (const std::exception& e) {
        set_error(error, SL_INTERNAL, e.what());
    } catch (...) {
        set_error(error, SL_INTERNAL, "an unknown exception");
    }
    return failed;
}

}  // namespace synclatch::c_api
