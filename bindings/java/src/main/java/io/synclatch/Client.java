package io.synclatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A synclatch client: the local store of one installation, its identity, and syncs with the server (the
 * AWS Cognito Sync protocol). Open it with {@link #open}, close it when done. Every method may be called
 * from any thread; {@link #synchronize} blocks (not on a UI thread, then). Where callbacks run: see
 * {@link ClientOptions#callbackExecutor}.
 */
public final class Client implements AutoCloseable {
    private final NativeHandle handle;

    private Client(long client) {
        this.handle = new NativeHandle(client, Native::clientRelease, "the client");
        Synclatch.CLEANER.register(this, handle);
    }

    /**
     * Opens (or creates) the local store. Works offline: nothing is sent before the first sync or identity
     * call. Fails with {@link ErrorCode#INVALID_ARGUMENT} for a bad option, {@link ErrorCode#STORAGE} when the
     * folder cannot be used.
     */
    public static Client open(ClientOptions options) {
        Objects.requireNonNull(options, "options");
        return new Client(Native.clientOpen(
            Utf8.name(options.endpoint, "the endpoint"), Utf8.name(options.identityPoolId, "the identity pool id"),
            Utf8.name(options.dataDir.toString(), "the data folder"),
            options.caFile == null ? null : Utf8.name(options.caFile.toString(), "the CA file"),
            options.durability.ordinal(), options.requestDeadlineMillis,
            Utf8.name(options.developerAccessKeyId, "the access key id"),
            Utf8.name(options.developerSecretAccessKey, "the secret access key"),
            Utf8.name(options.developerIdentityId, "the identity id"), options.appReportsConnectivity,
            options.callbackExecutor == null ? null : new NativeCallbacks.Poster(options.callbackExecutor),
            options.onIdentityChanged == null ? null : new NativeCallbacks.IdentityCall(options.onIdentityChanged)));
    }

    /** With {@link ClientOptions#appReportsConnectivity}: the network is there or not. Ignored otherwise. */
    public void setOnline(boolean online) {
        handle.run(client -> Native.clientSetOnline(client, online));
    }

    /** The identity the local data belongs to, obtained from the server on first use (then kept). */
    public String identityId() {
        return handle.call(client -> Utf8.decode(Native.clientIdentityId(client)));
    }

    /** Opens (or creates) a local dataset. Names: 1-128 of [A-Za-z0-9_.:-]. */
    public Dataset dataset(String name) {
        byte[] encoded = Utf8.name(Objects.requireNonNull(name, "name"), "the dataset name");
        return handle.call(client -> new Dataset(Native.datasetOpen(client, encoded), name));
    }

    /** The names of the identity's local datasets. */
    public List<String> listDatasets() {
        return handle.call(client -> {
            List<String> names = new ArrayList<>();
            for (byte[] name : Native.clientListDatasets(client))
                names.add(Utf8.decode(name));
            return List.copyOf(names);
        });
    }

    /** Deletes all local data and forgets the identity; the next use obtains a new one. */
    public void wipe() {
        handle.run(client -> Native.clientWipe(client));
    }

    /**
     * Signs the user in and contacts the server now: a guest whose logins are new becomes the user's
     * identity, keeping its data; when the user already has an identity, this installation's is merged into
     * it and the local data follows ({@link ClientOptions#onIdentityChanged}). On failure nothing changes.
     */
    public void signIn(LoginsProvider logins) {
        Objects.requireNonNull(logins, "logins");
        handle.run(client -> Native.clientSignIn(client, new NativeCallbacks.LoginsCall(logins)));
    }

    public boolean isSignedIn() {
        return handle.call(client -> Native.clientSignedIn(client));
    }

    /** Deletes the user's local data and forgets the identity: the next use is a new guest. */
    public void signOut(SignOutMode mode) {
        handle.run(client -> Native.clientSignOut(client, mode.ordinal()));
    }

    /** Synchronizes the dataset now, with the defaults; see {@link #synchronize(String, SyncOptions)}. */
    public SyncResult synchronize(String dataset) {
        return synchronize(dataset, null);
    }

    /**
     * Synchronizes the dataset with the server now, on the calling thread (after any sync of this client
     * already running); the options' callbacks run on this thread too. What a callback throws is rethrown.
     */
    public SyncResult synchronize(String dataset, SyncOptions options) {
        byte[] name = Utf8.name(Objects.requireNonNull(dataset, "dataset"), "the dataset name");
        NativeCallbacks.SyncCall call = new NativeCallbacks.SyncCall(options, null, null);
        return handle.call(client -> Native.clientSynchronize(client, name, call, options != null && options.fullPull));
    }

    /**
     * Queues a sync on the client's sync thread and returns at once. The future completes there, or on
     * the callback executor; exceptionally with {@link ErrorCode#CANCELLED} when the client closes first.
     */
    public CompletableFuture<SyncResult> synchronizeAsync(String dataset, SyncOptions options) {
        byte[] name = Utf8.name(Objects.requireNonNull(dataset, "dataset"), "the dataset name");
        CompletableFuture<SyncResult> future = new CompletableFuture<>();
        NativeCallbacks.SyncCall call = new NativeCallbacks.SyncCall(options, future, null);
        handle.run(client -> Native.clientSynchronizeAsync(client, name, call, options != null && options.fullPull));
        return future;
    }

    /**
     * Keeps a dataset synchronized: after local writes, periodically, when the network returns and on push
     * hints; retryable failures are retried with backoff. Until {@link #stopBackgroundSync} or close.
     */
    public void startBackgroundSync(String dataset, BackgroundSyncOptions options) {
        byte[] name = Utf8.name(Objects.requireNonNull(dataset, "dataset"), "the dataset name");
        BackgroundSyncOptions o = options == null ? new BackgroundSyncOptions() : options;
        NativeCallbacks.SyncCall call = o.onSync == null ? null : new NativeCallbacks.SyncCall(null, null, o.onSync);
        handle.run(client -> Native.clientStartBackgroundSync(client, name, o.intervalMillis, o.afterLocalChangeMillis,
                                                              call));
    }

    public void stopBackgroundSync(String dataset) {
        byte[] name = Utf8.name(Objects.requireNonNull(dataset, "dataset"), "the dataset name");
        handle.run(client -> Native.clientStopBackgroundSync(client, name));
    }

    /**
     * Registers this installation for push notifications (platform "GCM" for FCM, "APNS", "APNS_SANDBOX" or
     * "ADM", with the token the OS gave the app) and returns the server's id of the device.
     */
    public String registerDevice(String platform, String token) {
        byte[] os = Utf8.name(platform, "the platform"), osToken = Utf8.name(token, "the token");
        return handle.call(client -> Utf8.decode(Native.clientRegisterDevice(client, os, osToken)));
    }

    public void subscribe(String dataset) {
        handle.run(client -> Native.clientSubscribe(client, Utf8.name(dataset, "the dataset name")));
    }

    public void unsubscribe(String dataset) {
        handle.run(client -> Native.clientUnsubscribe(client, Utf8.name(dataset, "the dataset name")));
    }

    /**
     * A push notification's payload (JSON, from FCM or APNs): queues a sync of the dataset it names when that
     * dataset is under background sync; false when it is not such a hint.
     */
    public boolean onPushHint(String payload) {
        byte[] bytes = Utf8.encode(Objects.requireNonNull(payload, "payload"));
        return handle.call(client -> Native.clientOnPushHint(client, bytes));
    }

    /** Hints straight from the server over a WebSocket, for apps without a platform push service. */
    public void openPushChannel() {
        handle.run(client -> Native.clientOpenPushChannel(client));
    }

    public boolean isPushChannelConnected() {
        return handle.call(client -> Native.clientPushChannelConnected(client));
    }

    /**
     * Closes the client: background syncs stop and queued syncs never run. Datasets still open keep what
     * they need; a call running on another thread finishes first.
     */
    @Override
    public void close() {
        handle.close();
    }
}
