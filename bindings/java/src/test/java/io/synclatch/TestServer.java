package io.synclatch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

// A real synclatch-server ($SYNCLATCH_SERVER_BINARY) on a loopback port with SigV4 and a known admin key, in
// a scratch folder that also holds the test's devices' data folders. Closed: stopped and removed.
final class TestServer implements AutoCloseable {
    static final String POOL = "us-east-1:00000000-0000-0000-0000-000000000000";
    static final String ADMIN_KEY = "ADMINKEY";
    static final String ADMIN_SECRET = "admin-secret";

    private final Path root;
    private final Process process;
    private final String endpoint;

    TestServer() throws IOException {
        String binary = System.getenv("SYNCLATCH_SERVER_BINARY");
        if (binary == null) throw new IllegalStateException("set SYNCLATCH_SERVER_BINARY");
        root = Files.createTempDirectory("synclatch-java-");
        Files.createDirectories(root.resolve("server"));
        process = new ProcessBuilder(binary, "--listen", "127.0.0.1:0", "--data", root.resolve("server").toString(),
                                     "--auth", "sigv4", "--admin-key", ADMIN_KEY + ":" + ADMIN_SECRET, "--log-level",
                                     "warn")
                      .redirectError(ProcessBuilder.Redirect.INHERIT)
                      .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
        String found = null;
        for (String line; found == null && (line = out.readLine()) != null;) {
            Matcher m = listening.matcher(line);
            if (m.find()) found = "http://127.0.0.1:" + m.group(1);
        }
        if (found == null) {
            process.destroyForcibly();
            throw new IOException("the server did not say where it listens");
        }
        endpoint = found;
        // The server keeps writing to its stdout: drained, so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {}
            } catch (IOException ignored) {
                // the server stopped
            }
        }, "server-stdout");
        drain.setDaemon(true);
        drain.start();
    }

    String endpoint() {
        return endpoint;
    }

    // A fresh data folder for one device.
    Path folder(String name) throws IOException {
        return Files.createDirectories(root.resolve(name));
    }

    // A device of a new guest identity (fetched from the server on first use), or acting for `identity`
    // with the developer key: another device of the same user.
    ClientOptions device(String name, String identity) throws IOException {
        ClientOptions options = new ClientOptions(endpoint, POOL, folder(name))
                                    .requestDeadline(java.time.Duration.ofSeconds(5))
                                    .appReportsConnectivity(true);
        return identity == null ? options : options.developerCredentials(ADMIN_KEY, ADMIN_SECRET, identity);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
