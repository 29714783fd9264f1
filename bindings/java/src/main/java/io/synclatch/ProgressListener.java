package io.synclatch;

/** After each page pulled and each request pushed: the records and requests of the phase so far. */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(SyncPhase phase, long records, long pages);
}
