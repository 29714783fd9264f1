package io.synclatch;

/**
 * Told of each committed change in a dataset, local or remote, one at a time and in commit order: on the
 * thread that committed it (the app's for its own writes, the sync's for remote ones), or on the client's
 * callback executor when it has one. What it throws goes to the thread's uncaught exception handler.
 */
@FunctionalInterface
public interface ChangeListener {
    void onChange(Change change);
}
