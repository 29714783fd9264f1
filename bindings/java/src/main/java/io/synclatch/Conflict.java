package io.synclatch;

/**
 * A conflict a pull found: this device's version, not yet pushed, and the server's newer one. Valid only
 * during the {@link ConflictResolver#resolve} call that passes it.
 */
public final class Conflict {
    private long conflict;  // sl_conflict*, 0 once the resolver has returned

    Conflict(long conflict) {
        this.conflict = conflict;
    }

    public String key() {
        return Utf8.decode(Native.conflictKey(pointer()));
    }

    /** This device's value, or null when this device removed the record. */
    public String localValue() {
        return Utf8.decode(Native.conflictLocalValue(pointer()));
    }

    /** The server's value, or null when the server's version removed the record. */
    public String remoteValue() {
        return Utf8.decode(Native.conflictRemoteValue(pointer()));
    }

    /** Keep this device's version, pushed on top of the server's. */
    public void resolveWithLocal() {
        Native.conflictResolveWithLocal(pointer());
    }

    /** Take the server's version. */
    public void resolveWithRemote() {
        Native.conflictResolveWithRemote(pointer());
    }

    /** A new value, such as a merge of both (null: remove the record); it is pushed. */
    public void resolveWithValue(String value) {
        Native.conflictResolveWithValue(pointer(), Utf8.encode(value));
    }

    void invalidate() {
        conflict = 0;
    }

    private long pointer() {
        if (conflict == 0) throw new IllegalStateException("a Conflict is valid only inside its resolver's call");
        return conflict;
    }
}
