package io.synclatch;

/** How a sync runs; {@code new SyncOptions()} is the defaults. */
public final class SyncOptions {
    ConflictResolver onConflict;
    ProgressListener onProgress;
    boolean fullPull;

    /** Null: the later device edit wins, the same on every device. */
    public SyncOptions onConflict(ConflictResolver resolver) {
        this.onConflict = resolver;
        return this;
    }

    public SyncOptions onProgress(ProgressListener listener) {
        this.onProgress = listener;
        return this;
    }

    /** Pull everything again, not only what changed. */
    public SyncOptions fullPull(boolean fullPull) {
        this.fullPull = fullPull;
        return this;
    }
}
