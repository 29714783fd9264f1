package io.synclatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

// Bad arguments, a server that is not there, and closed handles give the documented answers.
class ErrorsTest {
    private static final String NOWHERE = "http://127.0.0.1:1";  // nothing listens on port 1

    @AfterEach
    void nothingLeftOpen() {
        assertEquals(0, Synclatch.liveNativeHandles());
    }

    private static ClientOptions offline(Path dir) {
        return new ClientOptions(NOWHERE, TestServer.POOL, dir)
            .developerCredentials("ADMINKEY", "admin-secret", "us-east-1:11111111-1111-1111-1111-111111111111");
    }

    @Test
    void badArgumentsAreRefusedWithInvalidArgument() throws Exception {
        Path dir = Files.createTempDirectory("synclatch-java-errors-");
        SynclatchException badEndpoint = assertThrows(SynclatchException.class,
            () -> Client.open(new ClientOptions("ftp://nowhere", TestServer.POOL, dir)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, badEndpoint.code());
        assertTrue(!badEndpoint.isRetryable());
        assertEquals(ErrorCode.STORAGE, assertThrows(SynclatchException.class,
            () -> Client.open(offline(dir.resolve("not-there")))).code());
        try (Client client = Client.open(offline(dir))) {
            assertEquals(ErrorCode.INVALID_ARGUMENT,
                         assertThrows(SynclatchException.class, () -> client.dataset("not a name!")).code());
            assertEquals(ErrorCode.INVALID_ARGUMENT,
                         assertThrows(SynclatchException.class, () -> client.dataset("nul\0inside")).code());
            try (Dataset things = client.dataset("things")) {
                assertEquals(null, things.get("missing"), "a missing record is no error");
            }
        }
    }

    @Test
    void aServerThatIsNotThereIsUnavailableAndRetryableAndNothingIsLost() throws Exception {
        Path dir = Files.createTempDirectory("synclatch-java-errors-");
        try (Client client = Client.open(offline(dir)); Dataset things = client.dataset("things")) {
            things.put("k", "kept");
            SynclatchException failed = assertThrows(SynclatchException.class, () -> client.synchronize("things"));
            assertEquals(ErrorCode.UNAVAILABLE, failed.code(), failed.getMessage());
            assertTrue(failed.isRetryable());
            ExecutionException async = assertThrows(ExecutionException.class,
                () -> client.synchronizeAsync("things", null).get(30, TimeUnit.SECONDS));
            assertEquals(ErrorCode.UNAVAILABLE, ((SynclatchException) async.getCause()).code());
            assertEquals("kept", things.get("k"));
            assertTrue(things.records().get(0).modified());
        }
    }

    @Test
    void aClosedHandleRefusesCallsAndClosingTwiceIsHarmless() throws Exception {
        Path dir = Files.createTempDirectory("synclatch-java-errors-");
        Client client = Client.open(offline(dir));
        Dataset things = client.dataset("things");
        things.close();
        things.close();
        assertThrows(IllegalStateException.class, () -> things.put("k", "v"));
        client.close();
        assertThrows(IllegalStateException.class, () -> client.dataset("things"));
    }
}
