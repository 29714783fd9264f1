package io.synclatch;

/** The part of a sync a progress report is about. */
public enum SyncPhase {
    PULLING,
    PUSHING
}
