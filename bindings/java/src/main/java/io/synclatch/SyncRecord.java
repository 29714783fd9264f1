package io.synclatch;

/**
 * A record of a dataset with its sync state.
 *
 * @param key the record's key
 * @param value its value; null when it was removed (a tombstone kept to be synchronized)
 * @param syncCount the server's sync count this version is based on
 * @param lastModifiedMillis server time of that version; 0: never synchronized
 * @param deviceLastModifiedMillis device time of the last local write
 * @param modified local changes not yet pushed
 * @param remote last written by a sync, not locally
 */
public record SyncRecord(String key, String value, long syncCount, long lastModifiedMillis,
                         long deviceLastModifiedMillis, boolean modified, boolean remote) {
    // Built by the native side (jni_dataset.cpp) from UTF-8 bytes, which may hold NULs.
    static SyncRecord fromNative(byte[] key, byte[] value, long syncCount, long lastModifiedMillis,
                                 long deviceLastModifiedMillis, boolean modified, boolean remote) {
        return new SyncRecord(Utf8.decode(key), Utf8.decode(value), syncCount, lastModifiedMillis,
                              deviceLastModifiedMillis, modified, remote);
    }
}
