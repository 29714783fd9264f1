package io.synclatch;

import java.nio.charset.StandardCharsets;

// Strings cross JNI as UTF-8 bytes: JNI's own string functions use modified UTF-8, which cannot carry a
// NUL byte of a value or a character outside the BMP the way the C API wants them.
final class Utf8 {
    private Utf8() {}

    static byte[] encode(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String decode(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    // A NUL-terminated C string (a name, a path, a URL): one with a NUL inside is refused.
    static byte[] name(String s, String what) {
        if (s == null) return null;
        if (s.indexOf('\0') >= 0)
            throw new SynclatchException(ErrorCode.INVALID_ARGUMENT, what + " holds a NUL character");
        return encode(s);
    }
}
