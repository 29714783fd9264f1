package io.synclatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

// Two Java devices of one user sync through a real server: writes, a value no JNI string could carry,
// removals, sync state and metadata; and closing everything leaves no native handle alive.
class TwoDevicesTest {
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        assertEquals(0, Synclatch.liveNativeHandles(), "every native handle is released once all is closed");
    }

    @Test
    void aWriteOnOneDeviceReachesTheOtherAndSoDoesItsRemoval() throws Exception {
        // A NUL, a character outside the BMP and one inside it: JNI's modified UTF-8 would mangle the first two.
        String value = "on\0e \uD83D\uDE00 \u00e9";
        try (Client a = Client.open(server.device("a", null)); Dataset thingsA = a.dataset("things")) {
            thingsA.put("thing-1", value);
            thingsA.putAll(Map.of("thing-2", "two", "thing-3", "three"));
            SyncResult pushed = a.synchronize("things");
            assertEquals(3, pushed.pushed());
            assertEquals(1, pushed.syncCount());
            String identity = a.identityId();
            assertTrue(identity.startsWith("us-east-1:"), identity);

            try (Client b = Client.open(server.device("b", identity)); Dataset thingsB = b.dataset("things")) {
                assertEquals(3, b.synchronize("things").pulled());
                assertEquals(value, thingsB.get("thing-1"));
                assertEquals(List.of("things"), b.listDatasets());

                List<SyncRecord> records = thingsB.records();
                assertEquals(List.of("thing-1", "thing-2", "thing-3"), records.stream().map(SyncRecord::key).toList());
                assertTrue(records.stream().allMatch(r -> r.remote() && !r.modified() && r.syncCount() == 1));
                DatasetMetadata metadata = thingsB.metadata();
                assertEquals(3, metadata.recordCount());
                assertEquals(1, metadata.lastSyncCount());

                thingsB.remove("thing-1");
                assertTrue(thingsB.records().get(0).modified());
                assertNull(thingsB.records().get(0).value(), "a removal is a tombstone until it is pushed");
                assertEquals(1, b.synchronize("things").pushed());
            }
            assertEquals(1, a.synchronize("things").pulled());
            assertNull(thingsA.get("thing-1"));
            assertEquals("two", thingsA.get("thing-2"));
        }
    }

    @Test
    void aDatasetKeepsWorkingAfterItsClientIsClosed() throws Exception {
        Client a = Client.open(server.device("a", null));
        Dataset things = a.dataset("things");
        a.close();
        things.put("k", "v");  // the dataset keeps the native client open
        assertEquals("v", things.get("k"));
        assertFalse(things.records().isEmpty());
        things.close();
    }
}
