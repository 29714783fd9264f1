package io.synclatch;

// The JNI entry points (bindings/java/src/main/native), one per C API call, over libsynclatch_jni.so. Strings
// cross as UTF-8 byte arrays (Utf8); pointers as longs; failures as SynclatchException.
final class Native {
    private Native() {}

    static {
        System.loadLibrary("synclatch_jni");
    }

    static native String version();
    static native long liveHandles();
    static native void runTask(long task, long taskContext);

    static native long clientOpen(byte[] endpoint, byte[] identityPoolId, byte[] dataDir, byte[] caFile,
                                  int durability, long requestDeadlineMillis, byte[] developerAccessKeyId,
                                  byte[] developerSecretAccessKey, byte[] developerIdentityId,
                                  boolean appReportsConnectivity, NativeCallbacks.Poster poster,
                                  NativeCallbacks.IdentityCall onIdentityChanged);
    static native void clientRelease(long client);
    static native void clientSetOnline(long client, boolean online);
    static native byte[] clientIdentityId(long client);
    static native byte[][] clientListDatasets(long client);
    static native void clientWipe(long client);
    static native void clientSignIn(long client, NativeCallbacks.LoginsCall logins);
    static native boolean clientSignedIn(long client);
    static native void clientSignOut(long client, int mode);

    static native SyncResult clientSynchronize(long client, byte[] dataset, NativeCallbacks.SyncCall call,
                                               boolean fullPull);
    static native void clientSynchronizeAsync(long client, byte[] dataset, NativeCallbacks.SyncCall call,
                                              boolean fullPull);
    static native void clientStartBackgroundSync(long client, byte[] dataset, long intervalMillis,
                                                 long afterLocalChangeMillis, NativeCallbacks.SyncCall onSync);
    static native void clientStopBackgroundSync(long client, byte[] dataset);

    static native byte[] clientRegisterDevice(long client, byte[] platform, byte[] token);
    static native void clientSubscribe(long client, byte[] dataset);
    static native void clientUnsubscribe(long client, byte[] dataset);
    static native boolean clientOnPushHint(long client, byte[] payload);
    static native void clientOpenPushChannel(long client);
    static native boolean clientPushChannelConnected(long client);

    static native long datasetOpen(long client, byte[] name);
    static native void datasetRelease(long dataset);
    static native void datasetPut(long dataset, byte[] key, byte[] value);
    static native void datasetPutMany(long dataset, byte[][] keys, byte[][] values);
    static native void datasetRemove(long dataset, byte[] key);
    static native byte[] datasetGet(long dataset, byte[] key);
    static native SyncRecord[] datasetRecords(long dataset);
    static native long[] datasetMetadata(long dataset);
    static native long datasetAddListener(long dataset, NativeCallbacks.ListenerCall listener);
    static native void listenerRelease(long listener);

    static native byte[] conflictKey(long conflict);
    static native byte[] conflictLocalValue(long conflict);
    static native byte[] conflictRemoteValue(long conflict);
    static native void conflictResolveWithLocal(long conflict);
    static native void conflictResolveWithRemote(long conflict);
    static native void conflictResolveWithValue(long conflict, byte[] value);
}
