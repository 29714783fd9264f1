package io.synclatch;

/** A background sync's outcome: result on success, else null and the error. */
@FunctionalInterface
public interface SyncListener {
    void onSync(SyncResult result, SynclatchException error);
}
