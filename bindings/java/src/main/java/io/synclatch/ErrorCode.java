package io.synclatch;

/** Why a call failed: the C API's {@code sl_code}, in the same order. */
public enum ErrorCode {
    OK,
    /** Bad input; repeating the call cannot help. */
    INVALID_ARGUMENT,
    NOT_FOUND,
    /** A sync met concurrent writers on every attempt. */
    CONFLICT,
    /** A quota (records, bytes, datasets) would be exceeded. */
    LIMIT_EXCEEDED,
    UNAUTHORIZED,
    /** The server or network cannot be reached now: retry later. */
    UNAVAILABLE,
    TIMEOUT,
    BUSY,
    THROTTLED,
    /** The sync was stopped: by a conflict resolver that returned false, or by closing. */
    CANCELLED,
    /** The local database could not be read or written. */
    STORAGE,
    CORRUPT,
    /** A bug; report it. */
    INTERNAL;

    /** True for codes where the same call may succeed later: unavailable, timeout, busy, throttled. */
    public boolean isRetryable() {
        return this == UNAVAILABLE || this == TIMEOUT || this == BUSY || this == THROTTLED;
    }

    static ErrorCode of(int code) {
        ErrorCode[] all = values();
        return code >= 0 && code < all.length ? all[code] : INTERNAL;
    }
}
