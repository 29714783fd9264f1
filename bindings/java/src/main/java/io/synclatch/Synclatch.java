package io.synclatch;

import java.lang.ref.Cleaner;

/** The library itself: its version, and the count of native handles alive (what a leak check reads). */
public final class Synclatch {
    private Synclatch() {}

    // Frees the native side of a handle its owner forgot to close, once nothing can reach it.
    static final Cleaner CLEANER = Cleaner.create();

    /** The native library's version, "MAJOR.MINOR.PATCH". */
    public static String version() {
        return Native.version();
    }

    /**
     * Native handles of every kind alive now in this process (clients, datasets, listeners): 0 once every
     * {@link Client}, {@link Dataset} and {@link ListenerRegistration} is closed and no callback is pending.
     */
    public static long liveNativeHandles() {
        return Native.liveHandles();
    }
}
