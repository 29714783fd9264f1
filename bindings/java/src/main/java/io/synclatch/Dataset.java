package io.synclatch;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A local dataset of the client's identity: key-value records, written and read offline, pushed and pulled
 * by the client's syncs. Keys and values are strings (UTF-8 on the wire; they may hold NUL characters).
 * Every method may be called from any thread. It keeps its client's native side open until it is closed.
 */
public final class Dataset implements AutoCloseable {
    private final NativeHandle handle;
    private final String name;

    Dataset(long dataset, String name) {
        this.handle = new NativeHandle(dataset, Native::datasetRelease, "the dataset " + name);
        this.name = name;
        Synclatch.CLEANER.register(this, handle);
    }

    public String name() {
        return name;
    }

    public void put(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (remove(key) removes a record)");
        handle.run(dataset -> Native.datasetPut(dataset, Utf8.encode(key), Utf8.encode(value)));
    }

    /** Writes every entry in one transaction: all of them or, on any error, none. */
    public void putAll(Map<String, String> records) {
        byte[][] keys = new byte[records.size()][];
        byte[][] values = new byte[records.size()][];
        int i = 0;
        for (Map.Entry<String, String> record : records.entrySet()) {
            keys[i] = Utf8.encode(Objects.requireNonNull(record.getKey(), "key"));
            values[i++] = Utf8.encode(Objects.requireNonNull(record.getValue(), "value"));
        }
        handle.run(dataset -> Native.datasetPutMany(dataset, keys, values));
    }

    public void remove(String key) {
        Objects.requireNonNull(key, "key");
        handle.run(dataset -> Native.datasetRemove(dataset, Utf8.encode(key)));
    }

    /** The record's value, or null when the dataset has no such record (or it was removed). */
    public String get(String key) {
        Objects.requireNonNull(key, "key");
        return handle.call(dataset -> Utf8.decode(Native.datasetGet(dataset, Utf8.encode(key))));
    }

    /** The records with their sync state, tombstones included, ordered by key. */
    public List<SyncRecord> records() {
        return handle.call(dataset -> List.of(Native.datasetRecords(dataset)));
    }

    public DatasetMetadata metadata() {
        return handle.call(dataset -> {
            long[] m = Native.datasetMetadata(dataset);
            return new DatasetMetadata(m[0], m[1], m[2], m[3], m[4], m[5]);
        });
    }

    /** Calls the listener after each committed change, until the registration is closed. */
    public ListenerRegistration addListener(ChangeListener listener) {
        Objects.requireNonNull(listener, "listener");
        return handle.call(dataset -> new ListenerRegistration(
            Native.datasetAddListener(dataset, new NativeCallbacks.ListenerCall(listener))));
    }

    @Override
    public void close() {
        handle.close();
    }
}
