package io.synclatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

// Change listeners, asynchronous and background syncs, on the library's threads or on a thread the app
// chose (its callback executor).
class CallbacksTest {
    private TestServer server;
    private ExecutorService appLoop;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        appLoop = Executors.newSingleThreadExecutor(run -> new Thread(run, "app-loop"));
    }

    @AfterEach
    void stop() throws Exception {
        appLoop.shutdown();
        assertTrue(appLoop.awaitTermination(10, TimeUnit.SECONDS));
        server.close();
        assertEquals(0, Synclatch.liveNativeHandles());
    }

    record Seen(Change change, String thread) {}

    @Test
    void listenersHearLocalAndRemoteChangesInOrderUntilTheirRegistrationCloses() throws Exception {
        try (Client a = Client.open(server.device("a", null)); Dataset things = a.dataset("things")) {
            a.synchronize("things");
            List<Seen> seen = new CopyOnWriteArrayList<>();
            try (ListenerRegistration registration =
                     things.addListener(c -> seen.add(new Seen(c, Thread.currentThread().getName())))) {
                things.put("k1", "v1");
                things.remove("k1");
                try (Client b = Client.open(server.device("b", a.identityId())); Dataset thingsB = b.dataset("things")) {
                    thingsB.put("k2", "from-b");
                    b.synchronize("things");
                }
                a.synchronize("things");
            }
            things.put("k3", "after the registration closed");

            assertEquals(3, seen.size(), seen.toString());
            assertEquals(new Change("k1", "v1", false, seen.get(0).change().sequence()), seen.get(0).change());
            assertEquals("main", seen.get(0).thread(), "a local write's listener runs on the writing thread");
            assertEquals(null, seen.get(1).change().value());
            assertEquals("k2", seen.get(2).change().key());
            assertTrue(seen.get(2).change().remote());
            assertTrue(seen.get(0).change().sequence() < seen.get(1).change().sequence()
                       && seen.get(1).change().sequence() < seen.get(2).change().sequence());
        }
    }

    @Test
    void withACallbackExecutorListenersAndFuturesRunOnTheAppsThread() throws Exception {
        ClientOptions options = server.device("a", null).callbackExecutor(appLoop);
        try (Client a = Client.open(options); Dataset things = a.dataset("things")) {
            BlockingQueue<String> threads = new LinkedBlockingQueue<>();
            try (ListenerRegistration registration =
                     things.addListener(c -> threads.add(c.key() + " on " + Thread.currentThread().getName()))) {
                things.put("k", "v");
                assertEquals("k on app-loop", threads.poll(10, TimeUnit.SECONDS));

                String[] completedOn = new String[1];
                SyncResult result = a.synchronizeAsync("things", null)
                                        .thenApply(r -> {
                                            completedOn[0] = Thread.currentThread().getName();
                                            return r;
                                        })
                                        .get(10, TimeUnit.SECONDS);
                assertEquals(1, result.pushed());
                assertEquals("app-loop", completedOn[0]);
            }
        }
    }

    @Test
    void backgroundSyncPushesALocalWriteAndSaysSo() throws Exception {
        BlockingQueue<SyncResult> outcomes = new LinkedBlockingQueue<>();
        try (Client a = Client.open(server.device("a", null).callbackExecutor(appLoop));
             Dataset things = a.dataset("things")) {
            a.identityId();
            a.startBackgroundSync("things", new BackgroundSyncOptions()
                                                .afterLocalChange(Duration.ofMillis(50))
                                                .onSync((result, error) -> {
                                                    if (result != null) outcomes.add(result);
                                                }));
            things.put("k", "v");
            SyncResult pushed = null;
            for (SyncResult r; pushed == null && (r = outcomes.poll(10, TimeUnit.SECONDS)) != null;)
                if (r.pushed() == 1) pushed = r;
            assertTrue(pushed != null, "a background sync pushed the write");
            a.stopBackgroundSync("things");
            assertFalse(things.records().get(0).modified());
        }
    }
}
