package io.synclatch;

/**
 * A committed change of a record's value, as a {@link ChangeListener} sees it.
 *
 * @param key the record's key
 * @param value its new value; null when the record was removed
 * @param remote from the server (a sync), not a local write
 * @param sequence the store's change feed position: strictly increasing
 */
public record Change(String key, String value, boolean remote, long sequence) {}
