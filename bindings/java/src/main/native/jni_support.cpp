// The JVM, thread attachment, the looked-up classes and methods, strings and errors (jni_support.hpp).
#include "jni_support.hpp"

#include <cstring>

namespace synclatch::jni {

namespace {

JavaVM* java_vm = nullptr;
JavaTypes java_types{};

// Detaches, when a thread of the library's ends, what attached_env attached.
struct Detacher {
    ~Detacher() {
        if (java_vm != nullptr) java_vm->DetachCurrentThread();
    }
};

jclass global_class(JNIEnv* env, const char* name) {
    jclass local = env->FindClass(name);
    if (local == nullptr) return nullptr;
    auto global = static_cast<jclass>(env->NewGlobalRef(local));
    env->DeleteLocalRef(local);
    return global;
}

// Every class and method the binding calls; false (with NoSuchMethodError pending) when one is missing.
bool look_up(JNIEnv* env) {
    JavaTypes& t = java_types;
    if (!(t.byte_array = global_class(env, "[B"))) return false;
    if (!(t.exception = global_class(env, "io/synclatch/SynclatchException"))) return false;
    if (!(t.exception_from_native =
              env->GetStaticMethodID(t.exception, "fromNative", "(I[B)Lio/synclatch/SynclatchException;")))
        return false;
    if (!(t.sync_result = global_class(env, "io/synclatch/SyncResult"))) return false;
    if (!(t.sync_result_new = env->GetMethodID(t.sync_result, "<init>", "(JJJJJ)V"))) return false;
    if (!(t.sync_record = global_class(env, "io/synclatch/SyncRecord"))) return false;
    if (!(t.sync_record_from_native =
              env->GetStaticMethodID(t.sync_record, "fromNative", "([B[BJJJZZ)Lio/synclatch/SyncRecord;")))
        return false;
    jclass poster = env->FindClass("io/synclatch/NativeCallbacks$Poster");
    if (poster == nullptr || !(t.poster_post = env->GetMethodID(poster, "post", "(JJ)V"))) return false;
    jclass sync = env->FindClass("io/synclatch/NativeCallbacks$SyncCall");
    if (sync == nullptr) return false;
    if (!(t.sync_resolve = env->GetMethodID(sync, "resolve", "([J)Z"))) return false;
    if (!(t.sync_progress = env->GetMethodID(sync, "progress", "(IJJ)V"))) return false;
    if (!(t.sync_failure = env->GetMethodID(sync, "failure", "(I[B)Ljava/lang/RuntimeException;")))
        return false;
    if (!(t.sync_done = env->GetMethodID(sync, "done", "(Lio/synclatch/SyncResult;I[B)V"))) return false;
    if (!(t.sync_freed = env->GetMethodID(sync, "freed", "()V"))) return false;
    if (!(t.sync_has_resolver = env->GetMethodID(sync, "hasResolver", "()Z"))) return false;
    if (!(t.sync_has_progress = env->GetMethodID(sync, "hasProgress", "()Z"))) return false;
    jclass listener = env->FindClass("io/synclatch/NativeCallbacks$ListenerCall");
    if (listener == nullptr || !(t.listener_change = env->GetMethodID(listener, "change", "([B[BZJ)V")))
        return false;
    jclass logins = env->FindClass("io/synclatch/NativeCallbacks$LoginsCall");
    if (logins == nullptr || !(t.logins_logins = env->GetMethodID(logins, "logins", "()[[B"))) return false;
    jclass identity = env->FindClass("io/synclatch/NativeCallbacks$IdentityCall");
    if (identity == nullptr || !(t.identity_changed = env->GetMethodID(identity, "changed", "([B[B)V")))
        return false;
    return true;
}

}  // namespace

const JavaTypes& types() {
    return java_types;
}

JNIEnv* attached_env() {
    JNIEnv* env = nullptr;
    if (java_vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) == JNI_OK) return env;
    JavaVMAttachArgs args{JNI_VERSION_1_6, const_cast<char*>("synclatch"), nullptr};
#ifdef __ANDROID__
    if (java_vm->AttachCurrentThreadAsDaemon(&env, &args) != JNI_OK) return nullptr;
#else
    if (java_vm->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), &args) != JNI_OK) return nullptr;
#endif
    thread_local Detacher detacher;
    return env;
}

GlobalRef::~GlobalRef() {
    if (object_ == nullptr) return;
    if (JNIEnv* env = attached_env()) env->DeleteGlobalRef(object_);
}

bool clear_pending(JNIEnv* env) {
    if (!env->ExceptionCheck()) return false;
    env->ExceptionDescribe();  // the JVM's own failure (the Java side catches the app's): say it, go on
    env->ExceptionClear();
    return true;
}

std::optional<std::string> bytes_of(JNIEnv* env, jbyteArray array) {
    if (array == nullptr) return std::nullopt;
    std::string out(static_cast<std::size_t>(env->GetArrayLength(array)), '\0');
    env->GetByteArrayRegion(array, 0, static_cast<jsize>(out.size()), reinterpret_cast<jbyte*>(out.data()));
    return out;
}

std::string name_of(JNIEnv* env, jbyteArray array) {
    return bytes_of(env, array).value_or(std::string());
}

jbyteArray java_bytes(JNIEnv* env, const char* data, std::size_t size) {
    if (data == nullptr) return nullptr;
    jbyteArray array = env->NewByteArray(static_cast<jsize>(size));
    if (array != nullptr)
        env->SetByteArrayRegion(array, 0, static_cast<jsize>(size), reinterpret_cast<const jbyte*>(data));
    return array;
}

jbyteArray java_bytes(JNIEnv* env, const std::string& text) {
    return java_bytes(env, text.data(), text.size());
}

bool throw_error(JNIEnv* env, const sl_error& error) {
    if (env->ExceptionCheck()) return false;  // one already pending says more
    jbyteArray message = java_bytes(env, error.message, std::strlen(error.message));
    auto thrown = static_cast<jthrowable>(env->CallStaticObjectMethod(
        java_types.exception, java_types.exception_from_native, static_cast<jint>(error.code), message));
    if (!env->ExceptionCheck() && thrown != nullptr) env->Throw(thrown);
    return false;
}

bool throw_error(JNIEnv* env, sl_code code, const std::string& message) {
    sl_error error{};
    error.code = code;
    std::strncpy(error.message, message.c_str(), sizeof error.message - 1);
    return throw_error(env, error);
}

extern "C" void free_global_ref(void* context) {
    delete static_cast<GlobalRef*>(context);
}

}  // namespace synclatch::jni

extern "C" JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void*) {
    synclatch::jni::java_vm = vm;
    JNIEnv* env = nullptr;
    if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
    if (!synclatch::jni::look_up(env)) return JNI_ERR;
    return JNI_VERSION_1_6;
}
