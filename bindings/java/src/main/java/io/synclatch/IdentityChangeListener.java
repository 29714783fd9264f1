package io.synclatch;

/**
 * Signing in merged this installation's identity into the user's: oldId became newId, and the local data
 * moved with it (each dataset of the old identity kept as "name.oldId").
 */
@FunctionalInterface
public interface IdentityChangeListener {
    void onIdentityChanged(String oldId, String newId);
}
