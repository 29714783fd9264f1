package io.synclatch;

import java.util.function.LongConsumer;
import java.util.function.LongFunction;

// A native pointer shared by the calls that use it and released once: close() marks it closed and frees it
// when the last call using it has returned, so that closing from another thread (or from a callback) never
// frees what a running call still holds, and never waits for a long sync.
final class NativeHandle implements Runnable {
    private final LongConsumer release;
    private final String what;
    private long pointer;
    private int users;
    private boolean closed;

    NativeHandle(long pointer, LongConsumer release, String what) {
        this.pointer = pointer;
        this.release = release;
        this.what = what;
    }

    synchronized long acquire() {
        if (closed) throw new IllegalStateException(what + " is closed");
        ++users;
        return pointer;
    }

    void release() {
        long free = 0;
        synchronized (this) {
            if (--users == 0 && closed) {
                free = pointer;
                pointer = 0;
            }
        }
        if (free != 0) release.accept(free);
    }

    void close() {
        long free = 0;
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (users == 0) {
                free = pointer;
                pointer = 0;
            }
        }
        if (free != 0) release.accept(free);
    }

    // body(pointer) with the pointer held for the call: what every method of a handle's owner does.
    <T> T call(LongFunction<T> body) {
        long held = acquire();
        try {
            return body.apply(held);
        } finally {
            release();
        }
    }

    void run(LongConsumer body) {
        long held = acquire();
        try {
            body.accept(held);
        } finally {
            release();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    // The Cleaner's action, for a handle its owner forgot to close.
    @Override
    public void run() {
        close();
    }
}
