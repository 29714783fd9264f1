package io.synclatch;

/** What {@link Client#signOut} does with local changes not yet synchronized. */
public enum SignOutMode {
    /** Refuse with {@link ErrorCode#CONFLICT}, naming the datasets. */
    REFUSE_IF_UNSYNCED,
    /** Synchronize the datasets with changes first; a failed sync stops the sign-out. */
    SYNC_FIRST,
    /** Sign out and lose them. */
    DISCARD_UNSYNCED
}
