package io.synclatch;

import java.util.List;

/**
 * Resolves the conflicts a sync's pull found, inside the sync on the thread running it. Resolve each
 * (one left unresolved gets the default: the later device edit wins) and return true; false stops the sync
 * with {@link ErrorCode#CANCELLED}, losing nothing: the conflicts come back next time. What it throws stops
 * the sync the same way and is rethrown to the caller of the sync. It must not start another sync of the
 * same client.
 */
@FunctionalInterface
public interface ConflictResolver {
    boolean resolve(List<Conflict> conflicts);
}
