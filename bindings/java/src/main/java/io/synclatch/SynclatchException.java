package io.synclatch;

/** A call into synclatch failed: {@link #code()} says why, the message says what. */
public class SynclatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public SynclatchException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** Whether the same call may succeed later (see {@link ErrorCode#isRetryable()}). */
    public boolean isRetryable() {
        return code.isRetryable();
    }

    // Thrown by the native side (jni_support.cpp).
    static SynclatchException fromNative(int code, byte[] message) {
        return new SynclatchException(ErrorCode.of(code), Utf8.decode(message));
    }
}
