package io.synclatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

// A conflict resolved by a Java callback, with progress reported; a resolver that refuses or throws stops the
// sync and loses nothing.
class ConflictTest {
    private TestServer server;
    private Client a;
    private Client b;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        a = Client.open(server.device("a", null));
        try (Dataset notes = a.dataset("notes")) {
            notes.put("n", "first");
        }
        a.synchronize("notes");
        b = Client.open(server.device("b", a.identityId()));
        b.synchronize("notes");
        // Both edit n offline; B pushes first, so A's next pull meets a conflict.
        try (Dataset notesA = a.dataset("notes"); Dataset notesB = b.dataset("notes")) {
            notesA.put("n", "from-a");
            notesB.put("n", "from-b");
        }
        b.synchronize("notes");
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
        server.close();
        assertEquals(0, Synclatch.liveNativeHandles());
    }

    @Test
    void aJavaResolverMergesBothVersionsAndTheMergeReachesTheOtherDevice() {
        List<String> seen = new ArrayList<>();
        List<SyncPhase> phases = new ArrayList<>();
        SyncResult result = a.synchronize("notes", new SyncOptions()
            .onConflict(conflicts -> {
                for (Conflict c : conflicts) {
                    seen.add(c.key() + ": " + c.localValue() + " / " + c.remoteValue());
                    c.resolveWithValue(c.localValue() + "+" + c.remoteValue());
                }
                return true;
            })
            .onProgress((phase, records, pages) -> phases.add(phase)));
        assertEquals(List.of("n: from-a / from-b"), seen);
        assertEquals(1, result.conflicts());
        assertEquals(1, result.pushed());
        assertTrue(phases.contains(SyncPhase.PULLING) && phases.contains(SyncPhase.PUSHING), phases.toString());
        b.synchronize("notes");
        try (Dataset notesA = a.dataset("notes"); Dataset notesB = b.dataset("notes")) {
            assertEquals("from-a+from-b", notesA.get("n"));
            assertEquals("from-a+from-b", notesB.get("n"));
        }
    }

    @Test
    void aConflictIsValidOnlyDuringItsResolversCall() {
        List<Conflict> kept = new ArrayList<>();
        a.synchronize("notes", new SyncOptions().onConflict(conflicts -> {
            kept.addAll(conflicts);
            conflicts.get(0).resolveWithRemote();
            return true;
        }));
        assertThrows(IllegalStateException.class, () -> kept.get(0).key());
        try (Dataset notes = a.dataset("notes")) {
            assertEquals("from-b", notes.get("n"));
        }
    }

    @Test
    void aResolverThatRefusesOrThrowsStopsTheSyncAndLosesNothing() {
        SynclatchException refused = assertThrows(SynclatchException.class,
            () -> a.synchronize("notes", new SyncOptions().onConflict(conflicts -> false)));
        assertEquals(ErrorCode.CANCELLED, refused.code());

        IllegalArgumentException mine = new IllegalArgumentException("the app's own failure");
        RuntimeException thrown = assertThrows(RuntimeException.class,
            () -> a.synchronize("notes", new SyncOptions().onConflict(conflicts -> { throw mine; })));
        assertSame(mine, thrown, "what the resolver threw reaches the sync's caller");

        try (Dataset notes = a.dataset("notes")) {
            assertEquals("from-a", notes.get("n"), "the local edit is still there");
            assertTrue(notes.records().get(0).modified());
        }
        // The conflict comes back next time; resolved with the local version, it wins everywhere.
        SyncResult result = a.synchronize("notes", new SyncOptions().onConflict(conflicts -> {
            conflicts.forEach(Conflict::resolveWithLocal);
            return true;
        }));
        assertEquals(1, result.conflicts());
        b.synchronize("notes");
        try (Dataset notes = b.dataset("notes")) {
            assertEquals("from-a", notes.get("n"));
        }
    }
}
