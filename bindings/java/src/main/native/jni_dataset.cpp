// io.synclatch.Native's dataset calls: open and close, local writes and reads, records with their sync
// state, metadata, and change listeners calling NativeCallbacks.ListenerCall.
#include <string>
#include <vector>

#include "jni_support.hpp"

using namespace synclatch::jni;

namespace {

sl_dataset* dataset_of(jlong handle) {
    return from_handle<JavaDataset>(handle)->dataset;
}

// sl_change_fn: on the thread that committed the change, or through the app's executor.
extern "C" void change_in_java(void* context, const sl_change* change) {
    JNIEnv* env = attached_env();
    if (env == nullptr) return;
    LocalFrame frame(env);
    env->CallVoidMethod(static_cast<GlobalRef*>(context)->get(), types().listener_change,
                        java_bytes(env, change->key, change->key_size),
                        java_bytes(env, change->value, change->value_size),
                        static_cast<jboolean>(change->remote), static_cast<jlong>(change->sequence));
    clear_pending(env);
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_io_synclatch_Native_datasetOpen(JNIEnv* env, jclass, jlong client_handle,
                                                             jbyteArray name) {
    auto* client = from_handle<JavaClient>(client_handle);
    sl_error error{};
    sl_dataset* dataset = sl_dataset_open(client->client, name_of(env, name).c_str(), &error);
    if (dataset == nullptr) return throw_error(env, error), 0;
    return to_handle(new JavaDataset{dataset, client->callbacks});
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_datasetRelease(JNIEnv*, jclass, jlong handle) {
    auto* dataset = from_handle<JavaDataset>(handle);
    sl_dataset_release(dataset->dataset);
    delete dataset;
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_datasetPut(JNIEnv* env, jclass, jlong handle, jbyteArray key,
                                                           jbyteArray value) {
    const std::string k = name_of(env, key), v = name_of(env, value);
    sl_error error{};
    if (!sl_dataset_put(dataset_of(handle), k.data(), k.size(), v.data(), v.size(), &error))
        throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_datasetPutMany(JNIEnv* env, jclass, jlong handle,
                                                               jobjectArray keys, jobjectArray values) {
    const jsize count = env->GetArrayLength(keys);
    std::vector<std::string> k(static_cast<std::size_t>(count)), v(static_cast<std::size_t>(count));
    std::vector<const char*> key_data, value_data;
    std::vector<std::size_t> key_sizes, value_sizes;
    for (jsize i = 0; i < count; ++i) {
        auto key = static_cast<jbyteArray>(env->GetObjectArrayElement(keys, i));
        auto value = static_cast<jbyteArray>(env->GetObjectArrayElement(values, i));
        k[static_cast<std::size_t>(i)] = name_of(env, key);
        v[static_cast<std::size_t>(i)] = name_of(env, value);
        env->DeleteLocalRef(key);
        env->DeleteLocalRef(value);
    }
    for (std::size_t i = 0; i < k.size(); ++i) {
        key_data.push_back(k[i].data());
        key_sizes.push_back(k[i].size());
        value_data.push_back(v[i].data());
        value_sizes.push_back(v[i].size());
    }
    sl_error error{};
    if (!sl_dataset_put_many(dataset_of(handle), key_data.data(), key_sizes.data(), value_data.data(),
                             value_sizes.data(), k.size(), &error))
        throw_error(env, error);
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_datasetRemove(JNIEnv* env, jclass, jlong handle,
                                                              jbyteArray key) {
    const std::string k = name_of(env, key);
    sl_error error{};
    if (!sl_dataset_remove(dataset_of(handle), k.data(), k.size(), &error)) throw_error(env, error);
}

JNIEXPORT jbyteArray JNICALL Java_io_synclatch_Native_datasetGet(JNIEnv* env, jclass, jlong handle,
                                                                 jbyteArray key) {
    const std::string k = name_of(env, key);
    sl_string* value = nullptr;
    sl_error error{};
    if (!sl_dataset_get(dataset_of(handle), k.data(), k.size(), &value, &error))
        return throw_error(env, error), nullptr;
    if (value == nullptr) return nullptr;
    jbyteArray out = java_bytes(env, sl_string_data(value), sl_string_size(value));
    sl_string_release(value);
    return out;
}

JNIEXPORT jobjectArray JNICALL Java_io_synclatch_Native_datasetRecords(JNIEnv* env, jclass, jlong handle) {
    sl_error error{};
    sl_records* records = sl_dataset_records(dataset_of(handle), &error);
    if (records == nullptr) return throw_error(env, error), nullptr;
    const std::size_t count = sl_records_count(records);
    jobjectArray out = env->NewObjectArray(static_cast<jsize>(count), types().sync_record, nullptr);
    sl_record r{};
    for (std::size_t i = 0; out != nullptr && i < count && sl_records_at(records, i, &r); ++i) {
        LocalFrame frame(env);
        jobject record = env->CallStaticObjectMethod(
            types().sync_record, types().sync_record_from_native, java_bytes(env, r.key, r.key_size),
            java_bytes(env, r.value, r.value_size), static_cast<jlong>(r.sync_count),
            static_cast<jlong>(r.last_modified_ms), static_cast<jlong>(r.device_last_modified_ms),
            static_cast<jboolean>(r.modified), static_cast<jboolean>(r.remote));
        if (env->ExceptionCheck()) break;
        env->SetObjectArrayElement(out, static_cast<jsize>(i), record);
    }
    sl_records_release(records);
    return env->ExceptionCheck() ? nullptr : out;
}

JNIEXPORT jlongArray JNICALL Java_io_synclatch_Native_datasetMetadata(JNIEnv* env, jclass, jlong handle) {
    sl_dataset_metadata m{};
    sl_error error{};
    if (!sl_dataset_get_metadata(dataset_of(handle), &m, &error)) return throw_error(env, error), nullptr;
    const jlong fields[] = {m.record_count,     m.storage_bytes,   m.creation_ms,
                            m.last_modified_ms, m.last_sync_count, m.last_sync_ms};
    jlongArray out = env->NewLongArray(6);
    if (out != nullptr) env->SetLongArrayRegion(out, 0, 6, fields);
    return out;
}

JNIEXPORT jlong JNICALL Java_io_synclatch_Native_datasetAddListener(JNIEnv* env, jclass, jlong handle,
                                                                    jobject listener) {
    auto* dataset = from_handle<JavaDataset>(handle);
    sl_error error{};
    sl_listener* token = sl_dataset_add_listener(dataset->dataset, change_in_java,
                                                 new GlobalRef(env, listener), free_global_ref, &error);
    if (token == nullptr) return throw_error(env, error), 0;
    return to_handle(new JavaListener{token, dataset->callbacks});
}

JNIEXPORT void JNICALL Java_io_synclatch_Native_listenerRelease(JNIEnv*, jclass, jlong handle) {
    auto* listener = from_handle<JavaListener>(handle);
    sl_listener_release(listener->listener);
    delete listener;
}

}  // extern "C"
