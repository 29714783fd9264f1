package io.synclatch;

/**
 * What a sync did.
 *
 * @param pulled remote records received
 * @param pushed local records the server accepted
 * @param conflicts conflicts resolved
 * @param requests HTTP requests made
 * @param syncCount the dataset's sync count now
 */
public record SyncResult(long pulled, long pushed, long conflicts, long requests, long syncCount) {}
