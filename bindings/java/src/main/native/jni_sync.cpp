// io.synclatch.Native's sync calls: blocking, asynchronous and background syncs, their callbacks into
// NativeCallbacks.SyncCall (conflicts, progress, outcome), and the conflicts a resolver is handed.
#include <string>
#include <vector>

#include "jni_support.hpp"

using namespace synclatch::jni;

namespace {

sl_client* client_of(jlong handle) {
    return from_handle<JavaClient>(handle)->client;
}

sl_conflict* conflict_of(jlong handle) {
    return from_handle<sl_conflict>(handle);
}

jobject call_of(void* context) {
    return static_cast<GlobalRef*>(context)->get();
}

// sl_conflict_fn: the conflicts as pointers, handed to SyncCall.resolve (which wraps them in Conflicts,
// valid for the call). On the thread running the sync.
extern "C" bool resolve_in_java(void* context, sl_conflict* const* conflicts, std::size_t count) {
    JNIEnv* env = attached_env();
    if (env == nullptr) return false;
    LocalFrame frame(env);
    std::vector<jlong> pointers(count);
    for (std::size_t i = 0; i < count; ++i)
        pointers[i] = to_handle(conflicts[i]);
    jlongArray array = env->NewLongArray(static_cast<jsize>(count));
    if (array == nullptr) return clear_pending(env), false;
    env->SetLongArrayRegion(array, 0, static_cast<jsize>(count), pointers.data());
    const bool resolved = env->CallBooleanMethod(call_of(context), types().sync_resolve, array);
    return !clear_pending(env) && resolved;
}

extern "C" void progress_in_java(void* context, sl_sync_phase phase, std::int64_t records,
                                 std::int64_t pages) {
    JNIEnv* env = attached_env();
    if (env == nullptr) return;
    LocalFrame frame(env);
    env->CallVoidMethod(call_of(context), types().sync_progress, static_cast<jint>(phase), records, pages);
    clear_pending(env);
}

jobject java_result(JNIEnv* env, const sl_sync_result& r) {
    return env->NewObject(types().sync_result, types().sync_result_new, r.pulled, r.pushed, r.conflicts,
                          r.requests, r.sync_count);
}

// sl_sync_done_fn: SyncCall.done(result or null, code, message).
extern "C" void done_in_java(void* context, const sl_sync_result* result, const sl_error* error) {
    JNIEnv* env = attached_env();
    if (env == nullptr) return;
    LocalFrame frame(env);
    jobject java = result == nullptr ? nullptr : java_result(env, *result);
    jbyteArray message = java_bytes(env, std::string(error->message));
    env->CallVoidMethod(call_of(context), types().sync_done, java, static_cast<jint>(error->code), message);
    clear_pending(env);
}

// sl_free_fn of an asynchronous sync's SyncCall: SyncCall.freed() (a sync never run fails its future),
// then the reference goes.
extern "C" void free_sync_call(void* context) {
    if (JNIEnv* env = attached_env()) {
        LocalFrame frame(env);
        env->CallVoidMethod(call_of(context), types().sync_freed);
        clear_pending(env);
    }
    free_global_ref(context);
}

// The C options for a SyncCall: its callbacks set only when the app gave them.
sl_sync_options options_for(JNIEnv* env, jobject call, void* context, jboolean full_pull) {
    sl_sync_options options{};
    options.full_pull = full_pull;
    options.context = context;
    // Neither can throw; each call is still checked, as JNI wants.
    const bool resolves = env->CallBooleanMethod(call, types().sync_has_resolver);
    if (!clear_pending(env) && resolves) options.on_conflict = resolve_in_java;
    const bool reports = env->CallBooleanMethod(call, types().sync_has_progress);
    if (!clear_pending(env) && reports) options.on_progress = progress_in_java;
    return options;
}

}  // namespace

extern "C" {

JNIEXPORT jobject JNICALL Java_io_synclatch_Native_clientSynchronize(JNIEnv* env, jclass, jlong handle,
                                                                     jbyteArray dataset, jobject call,
                                                                     jboolean full_pull) {
    GlobalRef context(env, call);  // the callbacks run on this thread, but reach it through a context
    const sl_sync_options options = options_for(env, call, &context, full_pull);
    sl_sync_result result{};
    sl_error error{};
    if (sl_client_synchronize(client_of(handle), name_of(env, dataset).c_str(), &options, &result, &error))
        return java_result(env, result);
    // What the app's resolver threw, or the library's error.
    jbyteArray message = java_bytes(env, std::string(error.message));
    auto failure = static_cast<jthrowable>(
        env->CallObjectMethod(call, types().sync_failure, static_cast<jint>(error.code), message));
    if (!env->ExceptionCheck() && failure != nullptr) env->Throw(failure);  // else an Error is on its way
    return nullptr;
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientSynchronizeAsync(JNIEnv* env, jclass, jlong handle,
                                                                       jbyteArray dataset, jobject call,
                                                                       jboolean full_pull) {
    auto* context = new GlobalRef(env, call);
    const sl_sync_options options = options_for(env, call, context, full_pull);
    sl_error error{};
    // On failure the library has already called free_sync_call, which failed the future: it is thrown too.
    if (!sl_client_synchronize_async(client_of(handle), name_of(env, dataset).c_str(), &options, done_in_java,
                                     context, free_sync_call, &error))
        throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientStartBackgroundSync(JNIEnv* env, jclass, jlong handle,
                                                                          jbyteArray dataset,
                                                                          jlong interval_ms,
                                                                          jlong after_local_change_ms,
                                                                          jobject on_sync) {
    sl_background_sync_options options{};
    options.interval_ms = interval_ms;
    options.after_local_change_ms = after_local_change_ms;
    if (on_sync != nullptr) {
        options.on_done = done_in_java;
        options.context = new GlobalRef(env, on_sync);
        options.free_context = free_global_ref;
    }
    sl_error error{};
    if (!sl_client_start_background_sync(client_of(handle), name_of(env, dataset).c_str(), &options, &error))
        throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientStopBackgroundSync(JNIEnv* env, jclass, jlong handle,
                                                                         jbyteArray dataset) {
    sl_client_stop_background_sync(client_of(handle), name_of(env, dataset).c_str());
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_conflictKey(JNIEnv* env, jclass, jlong conflict) {
    std::size_t size = 0;
    const char* key = sl_conflict_key(conflict_of(conflict), &size);
    return java_bytes(env, key, size);
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_conflictLocalValue(JNIEnv* env, jclass,
                                                                         jlong conflict) {
    std::size_t size = 0;
    const char* value = sl_conflict_local_value(conflict_of(conflict), &size);
    return java_bytes(env, value, size);
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_conflictRemoteValue(JNIEnv* env, jclass,
                                                                          jlong conflict) {
    std::size_t size = 0;
    const char* value = sl_conflict_remote_value(conflict_of(conflict), &size);
    return java_bytes(env, value, size);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_conflictResolveWithLocal(JNIEnv*, jclass, jlong conflict) {
    sl_conflict_resolve_with_local(conflict_of(conflict));
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_conflictResolveWithRemote(JNIEnv*, jclass, jlong conflict) {
    sl_conflict_resolve_with_remote(conflict_of(conflict));
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_conflictResolveWithValue(JNIEnv* env, jclass, jlong conflict,
                                                                         jbyteArray value) {
    const auto bytes = bytes_of(env, value);
    sl_conflict_resolve_with_value(conflict_of(conflict), bytes ? bytes->data() : nullptr,
                                   bytes ? bytes->size() : 0);
}

}  // extern "C"
