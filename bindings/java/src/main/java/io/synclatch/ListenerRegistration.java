package io.synclatch;

/** A change listener's registration: closing it stops the calls (one running on another thread finishes). */
public final class ListenerRegistration implements AutoCloseable {
    private final NativeHandle handle;

    ListenerRegistration(long listener) {
        this.handle = new NativeHandle(listener, Native::listenerRelease, "the listener registration");
        Synclatch.CLEANER.register(this, handle);
    }

    @Override
    public void close() {
        handle.close();
    }
}
