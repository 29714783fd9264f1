package io.synclatch;

import java.util.Map;

/**
 * The signed-in user's logins, asked for whenever the server must see them (so the app can hand out
 * refreshed tokens), on the thread making the request: provider name (the Logins key, such as
 * "accounts.google.com") to a token of it. Null or an empty map when none can be had now: the request then
 * fails with {@link ErrorCode#UNAUTHORIZED}.
 */
@FunctionalInterface
public interface LoginsProvider {
    Map<String, String> logins();
}
