// io.synclatch.Native's client calls: open and close, connectivity, identity and sign-in, the local
// datasets' list, wipe, and push. Callbacks reach Java through ClientCallbacks (jni_support.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jni_support.hpp"

using namespace synclatch::jni;

namespace {

sl_client* client_of(jlong handle) {
    return from_handle<JavaClient>(handle)->client;
}

// sl_post_fn: the task goes to the app's executor (NativeCallbacks.Poster), which runs it through
// Native.runTask.
extern "C" void post_to_executor(void* post_context, sl_task_fn task, void* task_context) {
    auto* callbacks = static_cast<ClientCallbacks*>(post_context);
    JNIEnv* env = attached_env();
    if (env == nullptr) {
        task(task_context);  // no JVM to hand it to: run it here rather than lose it
        return;
    }
    LocalFrame frame(env);
    env->CallVoidMethod(callbacks->poster.get(), types().poster_post,
                        static_cast<jlong>(reinterpret_cast<std::uintptr_t>(task)), to_handle(task_context));
    clear_pending(env);
}

extern "C" void identity_changed(void* context, const char* old_id, const char* new_id) {
    auto* callbacks = static_cast<ClientCallbacks*>(context);
    JNIEnv* env = attached_env();
    if (env == nullptr) return;
    LocalFrame frame(env);
    env->CallVoidMethod(callbacks->identity.get(), types().identity_changed,
                        java_bytes(env, std::string(old_id)), java_bytes(env, std::string(new_id)));
    clear_pending(env);
}

// sl_logins_fn: asks NativeCallbacks.LoginsCall for provider, token pairs.
extern "C" bool logins_from_java(void* context, sl_logins* logins) {
    JNIEnv* env = attached_env();
    if (env == nullptr) return false;
    LocalFrame frame(env);
    auto pairs = static_cast<jobjectArray>(
        env->CallObjectMethod(static_cast<GlobalRef*>(context)->get(), types().logins_logins));
    if (clear_pending(env) || pairs == nullptr) return false;
    const jsize count = env->GetArrayLength(pairs);
    for (jsize i = 0; i + 1 < count; i += 2) {
        const std::string provider =
            name_of(env, static_cast<jbyteArray>(env->GetObjectArrayElement(pairs, i)));
        const std::string token =
            name_of(env, static_cast<jbyteArray>(env->GetObjectArrayElement(pairs, i + 1)));
        if (!sl_logins_add(logins, provider.c_str(), token.c_str())) return false;
    }
    return true;
}

const char* or_null(const std::string& text) {
    return text.empty() ? nullptr : text.c_str();
}

}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_io_synclatch_Native_version(JNIEnv* env, jclass) {
    return env->NewStringUTF(sl_version());  // "MAJOR.MINOR.PATCH": ASCII
}

JNIEXPORT jlong JNICALL Java_io_synclatch_Native_liveHandles(JNIEnv*, jclass) {
    return sl_live_handles();
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_runTask(JNIEnv*, jclass, jlong task, jlong task_context) {
    reinterpret_cast<sl_task_fn>(static_cast<std::uintptr_t>(task))(from_handle<void>(task_context));
}

JNIEXPORT jlong JNICALL Java_io_synclatch_Native_clientOpen(
    JNIEnv* env, jclass, jbyteArray endpoint, jbyteArray pool, jbyteArray data_dir, jbyteArray ca_file,
    jint durability, jlong deadline_ms, jbyteArray access_key, jbyteArray secret_key, jbyteArray identity,
    jboolean app_reports_connectivity, jobject poster, jobject on_identity_changed) {
    const std::string endpoint_text = name_of(env, endpoint), pool_text = name_of(env, pool),
                      dir_text = name_of(env, data_dir), ca_text = name_of(env, ca_file),
                      access_text = name_of(env, access_key), secret_text = name_of(env, secret_key),
                      identity_text = name_of(env, identity);
    auto callbacks = std::make_shared<ClientCallbacks>(env, poster, on_identity_changed);
    sl_client_options options{};
    options.endpoint = endpoint_text.c_str();
    options.identity_pool_id = pool_text.c_str();
    options.data_dir = dir_text.c_str();
    options.ca_file = or_null(ca_text);
    options.durability = durability == 1 ? SL_DURABILITY_NORMAL : SL_DURABILITY_FULL;
    options.request_deadline_ms = deadline_ms;
    options.developer_access_key_id = or_null(access_text);
    options.developer_secret_access_key = or_null(secret_text);
    options.developer_identity_id = or_null(identity_text);
    options.app_reports_connectivity = app_reports_connectivity;
    if (poster != nullptr) {
        options.post = post_to_executor;
        options.post_context = callbacks.get();
    }
    if (on_identity_changed != nullptr) {
        options.on_identity_changed = identity_changed;
        options.identity_context = callbacks.get();
    }
    sl_error error{};
    sl_client* client = sl_client_open(&options, &error);
    if (client == nullptr) return throw_error(env, error), 0;
    return to_handle(new JavaClient{client, std::move(callbacks)});
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientRelease(JNIEnv*, jclass, jlong handle) {
    auto* client = from_handle<JavaClient>(handle);
    sl_client_release(client->client);
    delete client;
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientSetOnline(JNIEnv*, jclass, jlong handle,
                                                                jboolean online) {
    sl_client_set_online(client_of(handle), online);
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_clientIdentityId(JNIEnv* env, jclass, jlong handle) {
    sl_error error{};
    sl_string* id = sl_client_identity_id(client_of(handle), &error);
    if (id == nullptr) return throw_error(env, error), nullptr;
    jbyteArray out = java_bytes(env, sl_string_data(id), sl_string_size(id));
    sl_string_release(id);
    return out;
}

JNIEXPORT jobjectArray JNICALL Java_io_synclatch_Native_clientListDatasets(JNIEnv* env, jclass,
                                                                           jlong handle) {
    sl_error error{};
    sl_names* names = sl_client_list_datasets(client_of(handle), &error);
    if (names == nullptr) return throw_error(env, error), nullptr;
    const std::size_t count = sl_names_count(names);
    jobjectArray out = env->NewObjectArray(static_cast<jsize>(count), types().byte_array, nullptr);
    for (std::size_t i = 0; out != nullptr && i < count; ++i) {
        jbyteArray name = java_bytes(env, std::string(sl_names_at(names, i)));
        env->SetObjectArrayElement(out, static_cast<jsize>(i), name);
        env->DeleteLocalRef(name);
    }
    sl_names_release(names);
    return out;
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientWipe(JNIEnv* env, jclass, jlong handle) {
    sl_error error{};
    if (!sl_client_wipe(client_of(handle), &error)) throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientSignIn(JNIEnv* env, jclass, jlong handle,
                                                             jobject logins) {
    sl_error error{};
    if (!sl_client_sign_in(client_of(handle), logins_from_java, new GlobalRef(env, logins), free_global_ref,
                           &error))
        throw_error(env, error);
}

JNIEXPORT jboolean JNICALL Java_io_synclatch_Native_clientSignedIn(JNIEnv*, jclass, jlong handle) {
    return sl_client_signed_in(client_of(handle));
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientSignOut(JNIEnv* env, jclass, jlong handle, jint mode) {
    sl_error error{};
    if (!sl_client_sign_out(client_of(handle), static_cast<sl_sign_out_mode>(mode), &error))
        throw_error(env, error);
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_clientRegisterDevice(JNIEnv* env, jclass, jlong handle,
                                                                           jbyteArray platform,
                                                                           jbyteArray token) {
    sl_error error{};
    sl_string* device = sl_client_register_device(client_of(handle), name_of(env, platform).c_str(),
                                                  name_of(env, token).c_str(), &error);
    if (device == nullptr) return throw_error(env, error), nullptr;
    jbyteArray out = java_bytes(env, sl_string_data(device), sl_string_size(device));
    sl_string_release(device);
    return out;
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientSubscribe(JNIEnv* env, jclass, jlong handle,
                                                                jbyteArray dataset) {
    sl_error error{};
    if (!sl_client_subscribe(client_of(handle), name_of(env, dataset).c_str(), &error))
        throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientUnsubscribe(JNIEnv* env, jclass, jlong handle,
                                                                  jbyteArray dataset) {
    sl_error error{};
    if (!sl_client_unsubscribe(client_of(handle), name_of(env, dataset).c_str(), &error))
        throw_error(env, error);
}

JNIEXPORT jboolean JNICALL Java_io_synclatch_Native_clientOnPushHint(JNIEnv* env, jclass, jlong handle,
                                                                     jbyteArray payload) {
    const std::string bytes = bytes_of(env, payload).value_or(std::string());
    return sl_client_on_push_hint(client_of(handle), bytes.data(), bytes.size());
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_clientOpenPushChannel(JNIEnv* env, jclass, jlong handle) {
    sl_error error{};
    if (!sl_client_open_push_channel(client_of(handle), &error)) throw_error(env, error);
}

JNIEXPORT jboolean JNICALL Java_io_synclatch_Native_clientPushChannelConnected(JNIEnv*, jclass,
                                                                               jlong handle) {
    return sl_client_push_channel_connected(client_of(handle));
}

}  // extern "C"
