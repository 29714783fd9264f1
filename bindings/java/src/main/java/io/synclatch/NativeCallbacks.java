package io.synclatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

// What the native side calls back: one small object per app callback, holding it. None of these methods
// lets anything escape into native code: what an app's callback throws goes to the thread's uncaught
// exception handler, or, for a sync's callbacks, back to the sync's caller.
final class NativeCallbacks {
    private NativeCallbacks() {}

    static void report(Throwable thrown) {
        Thread thread = Thread.currentThread();
        try {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, thrown);
        } catch (Throwable ignored) {
            // nowhere left to tell
        }
    }

    // sl_post_fn: a task of the library's, run on the app's executor.
    static final class Poster {
        private final Executor executor;

        Poster(Executor executor) {
            this.executor = executor;
        }

        void post(long task, long taskContext) {
            try {
                executor.execute(() -> Native.runTask(task, taskContext));
            } catch (RejectedExecutionException rejected) {
                Native.runTask(task, taskContext);  // a task never run would leak and lose the callback
            }
        }
    }

    // A sync's callbacks: conflicts and progress during it, and its outcome for an asynchronous or
    // background sync (a future, or the app's SyncListener).
    static final class SyncCall {
        private final ConflictResolver resolver;
        private final ProgressListener progress;
        private final CompletableFuture<SyncResult> future;
        private final SyncListener listener;
        private Throwable thrown;  // by the resolver or the progress listener: rethrown to the sync's caller

        SyncCall(SyncOptions options, CompletableFuture<SyncResult> future, SyncListener listener) {
            this.resolver = options == null ? null : options.onConflict;
            this.progress = options == null ? null : options.onProgress;
            this.future = future;
            this.listener = listener;
        }

        boolean hasResolver() {
            return resolver != null;
        }

        boolean hasProgress() {
            return progress != null;
        }

        boolean resolve(long[] pointers) {
            List<Conflict> conflicts = new ArrayList<>(pointers.length);
            for (long pointer : pointers)
                conflicts.add(new Conflict(pointer));
            try {
                return resolver.resolve(List.copyOf(conflicts));
            } catch (Throwable t) {
                if (thrown == null) thrown = t;
                return false;
            } finally {
                for (Conflict conflict : conflicts)
                    conflict.invalidate();
            }
        }

        void progress(int phase, long records, long pages) {
            try {
                progress.onProgress(SyncPhase.values()[phase], records, pages);
            } catch (Throwable t) {
                if (thrown == null) thrown = t;
            }
        }

        // The blocking sync's failure: what the app's callback threw, or the library's error.
        RuntimeException failure(int code, byte[] message) {
            if (thrown instanceof RuntimeException runtime) return runtime;
            if (thrown instanceof Error error) throw error;
            SynclatchException failed = SynclatchException.fromNative(code, message);
            if (thrown != null) failed.initCause(thrown);
            return failed;
        }

        void done(SyncResult result, int code, byte[] message) {
            if (future != null) {
                if (result != null) future.complete(result);
                else future.completeExceptionally(failure(code, message));
            }
            if (listener != null) {
                try {
                    listener.onSync(result, result == null ? SynclatchException.fromNative(code, message)
                                                           : null);
                } catch (Throwable t) {
                    report(t);
                }
            }
        }

        // Its native context freed: a sync still queued when its client closed never ran.
        void freed() {
            if (future != null && !future.isDone())
                future.completeExceptionally(
                    new SynclatchException(ErrorCode.CANCELLED, "the client closed before the sync ran"));
        }
    }

    static final class ListenerCall {
        private final ChangeListener listener;

        ListenerCall(ChangeListener listener) {
            this.listener = listener;
        }

        void change(byte[] key, byte[] value, boolean remote, long sequence) {
            try {
                listener.onChange(new Change(Utf8.decode(key), Utf8.decode(value), remote, sequence));
            } catch (Throwable t) {
                report(t);
            }
        }
    }

    static final class LoginsCall {
        private final LoginsProvider provider;

        LoginsCall(LoginsProvider provider) {
            this.provider = provider;
        }

        // Provider, token, provider, token...; null when none can be had.
        byte[][] logins() {
            try {
                Map<String, String> logins = provider.logins();
                if (logins == null || logins.isEmpty()) return null;
                byte[][] out = new byte[logins.size() * 2][];
                int i = 0;
                for (Map.Entry<String, String> login : logins.entrySet()) {
                    out[i++] = Utf8.name(login.getKey(), "a login's provider");
                    out[i++] = Utf8.name(login.getValue(), "a login's token");
                }
                return out;
            } catch (Throwable t) {
                report(t);
                return null;
            }
        }
    }

    static final class IdentityCall {
        private final IdentityChangeListener listener;

        IdentityCall(IdentityChangeListener listener) {
            this.listener = listener;
        }

        void changed(byte[] oldId, byte[] newId) {
            try {
                listener.onIdentityChanged(Utf8.decode(oldId), Utf8.decode(newId));
            } catch (Throwable t) {
                report(t);
            }
        }
    }
}
