// What every JNI entry point of the Java binding uses: the JVM and a JNIEnv for any thread (the library
// calls back on its own threads), the classes and methods looked up once, strings as UTF-8 byte arrays,
// and a failed C call thrown as io.synclatch.SynclatchException. Only synclatch.h is used below: the binding
// is what an Android app would load, over the C ABI.
#pragma once

#include <jni.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "synclatch/synclatch.h"

namespace synclatch::jni {

// Looked up in JNI_OnLoad; the classes are global references.
struct JavaTypes {
    jclass byte_array;
    jclass exception;  // SynclatchException
    jmethodID exception_from_native;
    jclass sync_result;
    jmethodID sync_result_new;
    jclass sync_record;
    jmethodID sync_record_from_native;
    jmethodID poster_post;
    jmethodID sync_resolve;
    jmethodID sync_progress;
    jmethodID sync_failure;
    jmethodID sync_done;
    jmethodID sync_freed;
    jmethodID sync_has_resolver;
    jmethodID sync_has_progress;
    jmethodID listener_change;
    jmethodID logins_logins;
    jmethodID identity_changed;
};
const JavaTypes& types();

// The JNIEnv of this thread, attaching it (as a daemon, detached when the thread ends) when the library
// calls back on a thread of its own. Null only when the JVM refuses.
JNIEnv* attached_env();

// Local references made during one callback on a thread the JVM does not return to: freed at its end.
class LocalFrame {
  public:
    explicit LocalFrame(JNIEnv* env) : env_(env) { env_->PushLocalFrame(16); }
    LocalFrame(const LocalFrame&) = delete;
    LocalFrame& operator=(const LocalFrame&) = delete;
    ~LocalFrame() { env_->PopLocalFrame(nullptr); }

  private:
    JNIEnv* env_;
};

// A global reference, deleted from whichever thread lets it go.
class GlobalRef {
  public:
    GlobalRef(JNIEnv* env, jobject object)
        : object_(object == nullptr ? nullptr : env->NewGlobalRef(object)) {}
    GlobalRef(const GlobalRef&) = delete;
    GlobalRef& operator=(const GlobalRef&) = delete;
    ~GlobalRef();
    jobject get() const { return object_; }

  private:
    jobject object_;
};

// Clears an exception a callback left pending (the Java side catches the app's; this is for the JVM's own,
// such as OutOfMemoryError), so that the library's thread can go on. True when there was one.
bool clear_pending(JNIEnv* env);

// A Java byte[] as bytes; nullopt for null.
std::optional<std::string> bytes_of(JNIEnv* env, jbyteArray array);
// A NUL-terminated copy of a name (the Java side refuses names holding NUL); "" for null.
std::string name_of(JNIEnv* env, jbyteArray array);
// Bytes as a Java byte[]; null for a null data pointer.
jbyteArray java_bytes(JNIEnv* env, const char* data, std::size_t size);
jbyteArray java_bytes(JNIEnv* env, const std::string& text);

// Throws SynclatchException(error) in env; returns false, for `return fail(...)` in bool-returning helpers.
bool throw_error(JNIEnv* env, const sl_error& error);
bool throw_error(JNIEnv* env, sl_code code, const std::string& message);

// A Java long holding a native pointer, and back.
template <class T>
T* from_handle(jlong handle) {
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(handle));
}
template <class T>
jlong to_handle(T* pointer) {
    return static_cast<jlong>(reinterpret_cast<std::uintptr_t>(pointer));
}

// What a client's asynchronous callbacks need after any of its handles is released: the app's executor
// (sl_post_fn) and its identity listener. Shared by the client's and its datasets' and listeners' handles,
// since each of them keeps the native client alive.
struct ClientCallbacks {
    ClientCallbacks(JNIEnv* env, jobject app_poster, jobject app_identity)
        : poster(env, app_poster), identity(env, app_identity) {}
    GlobalRef poster;    // NativeCallbacks.Poster, or null
    GlobalRef identity;  // NativeCallbacks.IdentityCall, or null
};

// The Java handles: a C handle and the callbacks it may still reach.
struct JavaClient {
    sl_client* client;
    std::shared_ptr<ClientCallbacks> callbacks;
};
struct JavaDataset {
    sl_dataset* dataset;
    std::shared_ptr<ClientCallbacks> callbacks;
};
struct JavaListener {
    sl_listener* listener;
    std::shared_ptr<ClientCallbacks> callbacks;
};

// sl_free_fn for a context that is a GlobalRef*.
extern "C" void free_global_ref(void* context);

}  // namespace synclatch::jni
