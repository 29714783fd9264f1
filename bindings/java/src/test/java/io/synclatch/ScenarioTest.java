package io.synclatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

// The shared conflict scenario (tests/scenarios/conflicts.scenario, $SYNCLATCH_SCENARIO_DIR) through the Java
// binding: it must print what the C++ conflict suite and the C API print (conflicts.expected).
class ScenarioTest {
    // The scenario's resolver (its header says the rule).
    private static boolean resolveByKey(List<Conflict> conflicts) {
        for (Conflict c : conflicts) {
            switch (c.key()) {
                case "remote" -> c.resolveWithRemote();
                case "local" -> c.resolveWithLocal();
                case "merged" -> c.resolveWithValue(c.remoteValue() + "+" + c.localValue());
                default -> {}
            }
        }
        return true;
    }

    @Test
    void theSharedConflictScenarioPrintsWhatTheCppSuitePrints() throws Exception {
        Path scenarios = Path.of(System.getenv("SYNCLATCH_SCENARIO_DIR"));
        StringBuilder out = new StringBuilder();
        Map<String, Client> devices = new LinkedHashMap<>();
        try (TestServer server = new TestServer()) {
            try {
                for (String line : Files.readAllLines(scenarios.resolve("conflicts.scenario"))) {
                    if (line.isEmpty() || line.startsWith("#")) continue;
                    String[] words = line.split(" ");
                    Client device = devices.get(words[0]);
                    if (device == null) {
                        // The first device is a guest of its own; the others act for its identity.
                        String identity = devices.isEmpty() ? null : devices.values().iterator().next().identityId();
                        device = Client.open(server.device(words[0], identity));
                        devices.put(words[0], device);
                    }
                    try (Dataset things = device.dataset("things")) {
                        switch (words[1]) {
                            case "put" -> things.put(words[2], words[3]);
                            case "remove" -> things.remove(words[2]);
                            case "sync" -> {
                                SyncOptions options = new SyncOptions();
                                if (words.length > 2 && words[2].equals("resolve"))
                                    options.onConflict(ScenarioTest::resolveByKey);
                                out.append(line).append(": ").append(device.synchronize("things", options).conflicts())
                                    .append(" conflicts\n");
                            }
                            default -> throw new IllegalArgumentException("no such step: " + line);
                        }
                    }
                    Thread.sleep(3);  // each step later in device time than the last
                }
                for (Map.Entry<String, Client> device : devices.entrySet()) {
                    try (Dataset things = device.getValue().dataset("things")) {
                        for (SyncRecord r : things.records())
                            if (r.value() != null)
                                out.append(device.getKey()).append(' ').append(r.key()).append(" = ").append(r.value())
                                    .append('\n');
                    }
                }
            } finally {
                devices.values().forEach(Client::close);
            }
        }
        assertEquals(Files.readString(scenarios.resolve("conflicts.expected")), out.toString());
        assertEquals(0, Synclatch.liveNativeHandles());
    }
}
