package io.synclatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/** What {@link Client#open} needs: the endpoint, the identity pool and the local data folder, then options. */
public final class ClientOptions {
    final String endpoint;
    final String identityPoolId;
    final Path dataDir;
    Path caFile;
    Durability durability = Durability.FULL;
    long requestDeadlineMillis;
    String developerAccessKeyId;
    String developerSecretAccessKey;
    String developerIdentityId;
    boolean appReportsConnectivity;
    Executor callbackExecutor;
    IdentityChangeListener onIdentityChanged;

    /**
     * @param endpoint the server, such as "https://sync.example.com"
     * @param identityPoolId such as "us-east-1:00000000-0000-0000-0000-000000000000"
     * @param dataDir an existing folder of the app's (Android: {@code Context.getFilesDir()}); the local
     *     store lives there
     */
    public ClientOptions(String endpoint, String identityPoolId, Path dataDir) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.identityPoolId = Objects.requireNonNull(identityPoolId, "identityPoolId");
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    }

    /** TLS: a PEM file of trusted CAs (default: the system's store). */
    public ClientOptions caFile(Path caFile) {
        this.caFile = caFile;
        return this;
    }

    public ClientOptions durability(Durability durability) {
        this.durability = Objects.requireNonNull(durability);
        return this;
    }

    /** How long one request may take (default 30 seconds). */
    public ClientOptions requestDeadline(Duration deadline) {
        this.requestDeadlineMillis = Math.max(1, deadline.toMillis());
        return this;
    }

    /**
     * Developer credentials (the server's --admin-key) acting for a fixed identity, for tools and tests.
     * Without them the client uses an unauthenticated Cognito identity, obtained from the server on first use.
     */
    public ClientOptions developerCredentials(String accessKeyId, String secretAccessKey, String identityId) {
        this.developerAccessKeyId = Objects.requireNonNull(accessKeyId);
        this.developerSecretAccessKey = Objects.requireNonNull(secretAccessKey);
        this.developerIdentityId = Objects.requireNonNull(identityId);
        return this;
    }

    /**
     * The app says when the network is there ({@link Client#setOnline}), from its platform's API (Android's
     * {@code ConnectivityManager.NetworkCallback}); otherwise the client follows the OS's monitor.
     */
    public ClientOptions appReportsConnectivity(boolean appReports) {
        this.appReportsConnectivity = appReports;
        return this;
    }

    /**
     * Where asynchronous callbacks run (change listeners, background sync outcomes, identity changes, the
     * futures of {@link Client#synchronizeAsync}): on Android, {@code new Handler(Looper.getMainLooper())::post}.
     * Null (the default): on the library's threads. An executor that rejects a callback has it run on the
     * library's thread instead, so that none is lost.
     */
    public ClientOptions callbackExecutor(Executor executor) {
        this.callbackExecutor = executor;
        return this;
    }

    public ClientOptions onIdentityChanged(IdentityChangeListener listener) {
        this.onIdentityChanged = listener;
        return this;
    }
}
