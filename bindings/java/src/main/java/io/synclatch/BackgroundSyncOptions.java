package io.synclatch;

import java.time.Duration;

/** How a dataset is kept synchronized in the background; {@code new BackgroundSyncOptions()}: the defaults. */
public final class BackgroundSyncOptions {
    long intervalMillis;
    long afterLocalChangeMillis;
    SyncListener onSync;

    /** Sync at least this often (default 5 minutes); null: only on triggers (local writes, network, push). */
    public BackgroundSyncOptions interval(Duration interval) {
        this.intervalMillis = interval == null ? -1 : Math.max(1, interval.toMillis());
        return this;
    }

    /** A local write syncs after this quiet time (default 2 seconds). */
    public BackgroundSyncOptions afterLocalChange(Duration quiet) {
        this.afterLocalChangeMillis = Math.max(1, quiet.toMillis());
        return this;
    }

    /** Told each sync's outcome, on the sync thread or the client's callback executor. */
    public BackgroundSyncOptions onSync(SyncListener listener) {
        this.onSync = listener;
        return this;
    }
}
