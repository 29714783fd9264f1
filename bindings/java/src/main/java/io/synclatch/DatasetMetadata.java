package io.synclatch;

/**
 * A dataset's local metadata.
 *
 * @param recordCount live records
 * @param storageBytes UTF-8 bytes of their keys and values
 * @param creationMillis when the dataset was created
 * @param lastModifiedMillis when it last changed
 * @param lastSyncCount 0 before the first sync; -1 while a deletion waits to be synchronized
 * @param lastSyncMillis 0: never synchronized
 */
public record DatasetMetadata(long recordCount, long storageBytes, long creationMillis, long lastModifiedMillis,
                              long lastSyncCount, long lastSyncMillis) {}
