package dev.ncsn.e2e;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The user's path: {@code ./ncsn up} as its own process (with NCSN_NO_BUILD=1: the reactor has just packaged
 * everything it runs), on a fresh data directory and free ports, seeded with a freshly initialised compact network.
 * A generation goes through the page's API, then SIGTERM must stop `up` and every process it started.
 */
class NcsnUpTest {

    private static final Path ROOT = Path.of(System.getProperty("ncsn.root", "..")).toAbsolutePath().normalize();
    private static final String MODEL = "fashion-mnist";
    private static final String SEED_VERSION = "e2e-seed";
    private static final Pattern UP_LINE = Pattern.compile("NCSN is up: (http://\\S+)");
    private static final Pattern INFRA_LINE = Pattern.compile("ncsn up: Kafka 127\\.0\\.0\\.1:(\\d+), S3 http://127\\.0\\.0\\.1:(\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void upServesTheSeedModelAndStopsEverythingOnSigterm(@TempDir Path tmp) throws Exception {
        Path seed = writeSeed(tmp.resolve("seed"));
        Path data = tmp.resolve("data");
        int[] ports = freePorts(3);
        int gateway = ports[0];
        Path out = tmp.resolve("up.out");
        Path err = tmp.resolve("up.err");
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("ncsn").toString(), "up", "--data", data.toString(),
                "--port", String.valueOf(gateway), "--trainer-port", String.valueOf(ports[1]),
                "--sampler-port", String.valueOf(ports[2]), "--seed-model", seed.toString(), "--timeout", "240")
                .directory(ROOT.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("NCSN_NO_BUILD", "1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Diagnostics diagnostics = new Diagnostics(err, data.resolve("logs"));

        long started = System.nanoTime();
        Process up = builder.start();
        List<ProcessHandle> children = List.of();
        try {
            String url = awaitUrl(up, out, diagnostics);
            System.out.printf("ncsn up ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertEquals("http://127.0.0.1:" + gateway + "/", url);
            String log = Files.readString(err);
            assertTrue(log.contains("put the seed model " + seed + " into the store as " + MODEL + " version "
                    + SEED_VERSION), diagnostics.with("the seed was not put into the store"));

            children = up.descendants().toList();
            List<String> commands = children.stream().map(NcsnUpTest::commandLine).toList();
            assertEquals(4, children.size(), diagnostics.with("expected Kafka/S3 and three services: " + commands));
            // The class name comes after a long class path, beyond what the command line shows; the class path starts with this.
            for (String part : List.of("local-infra/target/classes:", "trainer-service/target/quarkus-app",
                    "sampler-service/target/quarkus-app", "gateway-service/target/quarkus-app")) {
                assertEquals(1, commands.stream().filter(c -> c.contains(part)).count(),
                        diagnostics.with("one child running " + part + ": " + commands));
            }

            HttpResponse<String> page = http.send(get(url), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>NCSN"), page.body());

            JsonNode models = json.readTree(http.send(get(url + "v1/models"), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(SEED_VERSION, models.at("/models/0/liveVersion").asText(), models.toString());

            long generation = System.nanoTime();
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(url + "v1/generations"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"count\": 1, \"seed\": 3, \"stepsPerLevel\": 2}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, accepted.statusCode(), accepted.body());
            String job = json.readTree(accepted.body()).get("id").asText();

            List<Event> events = readEvents(url + "v1/jobs/" + job + "/frames", diagnostics);
            System.out.printf("generation: %d events in %.1f s%n", events.size(), (System.nanoTime() - generation) / 1e9);
            Event done = events.get(events.size() - 1);
            assertEquals("done", done.type(), diagnostics.with("last event: " + done));
            assertEquals(IntStream.range(0, events.size()).boxed().toList(), events.stream().map(Event::id).toList(),
                    "event ids are the sequence from 0 without gaps");
            Set<Integer> levels = new TreeSet<>();
            // A worker announces the job (started, sequence 0), then frames follow, then done.
            assertEquals("started", events.get(0).type(), diagnostics.with("first event: " + events.get(0)));
            assertEquals(SEED_VERSION, json.readTree(events.get(0).data()).get("modelVersion").asText());
            for (Event frame : events.subList(1, events.size() - 1)) {
                assertEquals("frame", frame.type());
                JsonNode node = json.readTree(frame.data());
                assertEquals(SEED_VERSION, node.get("modelVersion").asText());
                assertTrue(node.get("image").asText().startsWith("data:image/png;base64,"));
                levels.add(node.get("level").asInt());
            }
            assertEquals(IntStream.rangeClosed(1, 10).boxed().collect(Collectors.toSet()), levels, "all ten levels");

            String result = json.readTree(done.data()).get("result").asText();
            HttpResponse<byte[]> png = http.send(get(URI.create(url).resolve(result).toString()),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, png.statusCode());
            assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
            assertEquals(28, image.getWidth());
            assertEquals(28, image.getHeight());

            // SIGTERM, as a service manager or `kill` sends it.
            Matcher infra = INFRA_LINE.matcher(Files.readString(err));
            assertTrue(infra.find(), diagnostics.with("no Kafka/S3 line"));
            long stopping = System.nanoTime();
            up.destroy();
            assertTrue(up.waitFor(150, TimeUnit.SECONDS), diagnostics.with("ncsn up did not stop within 150 s"));
            System.out.printf("ncsn up stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);
            assertEquals(143, up.exitValue(), diagnostics.with("exit status after SIGTERM"));
            assertTrue(Files.readString(err).contains("ncsn up: stopped"), diagnostics.with("no 'stopped' line"));
            for (ProcessHandle child : children) {
                assertFalse(child.isAlive(), diagnostics.with("still running after ncsn up ended: " + commandLine(child)));
            }
            for (int port : List.of(gateway, ports[1], ports[2], Integer.parseInt(infra.group(1)),
                    Integer.parseInt(infra.group(2)))) {
                assertTrue(free(port), diagnostics.with("port " + port + " is still in use"));
            }
        } finally {
            // Only what this test started: `up` and its descendants.
            List<ProcessHandle> left = new ArrayList<>(children);
            left.addAll(up.descendants().toList());
            left.forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
            up.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A freshly initialised compact network, written with shared-model's checkpoint writer. */
    private static Path writeSeed(Path dir) {
        Architecture arch = Architecture.preset(Architecture.COMPACT);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NcsnScoreNetwork net = NcsnScoreNetwork.create(arch, manager, 20190707L);
            try {
                Checkpoint.write(dir, CheckpointManifest.of(MODEL, SEED_VERSION, arch, net.schedule(),
                        CheckpointManifest.DataShape.of(arch), 0, true, Instant.now()), net.parameters());
            } finally {
                net.close();
            }
        }
        return dir;
    }

    /** Waits for the URL line on standard output; fails at once, with the logs, when `up` ends first. */
    private static String awaitUrl(Process up, Path out, Diagnostics diagnostics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            Matcher m = UP_LINE.matcher(Files.readString(out));
            if (m.find()) {
                return m.group(1);
            }
            if (!up.isAlive()) {
                fail(diagnostics.with("ncsn up ended with status " + up.exitValue() + " before it was up"));
            }
            Thread.sleep(500);
        }
        fail(diagnostics.with("ncsn up not up within 5 minutes"));
        return null;
    }

    record Event(int id, String type, String data) {
    }

    /** Server-Sent Events until the stream ends (the server closes it after the terminal event). */
    private static List<Event> readEvents(String url, Diagnostics diagnostics) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        connection.setRequestProperty("Accept", "text/event-stream");
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(120_000); // the server sends a keep-alive comment every 15 s
        assertEquals(200, connection.getResponseCode());
        List<Event> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                StandardCharsets.UTF_8))) {
            Integer id = null;
            String type = "message";
            StringBuilder data = new StringBuilder();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty()) {
                    if (id != null) {
                        events.add(new Event(id, type, data.toString()));
                    }
                    id = null;
                    type = "message";
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = Integer.parseInt(line.substring(3).trim());
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5));
                }
            }
        } catch (IOException e) {
            throw new IOException(diagnostics.with("reading " + url + " after " + events.size() + " events: " + e).get(), e);
        }
        assertFalse(events.isEmpty(), diagnostics.with("no events from " + url));
        return events;
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static int[] freePorts(int n) throws IOException {
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < n) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                ports.add(socket.getLocalPort());
            }
        }
        return ports.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String commandLine(ProcessHandle process) {
        return process.info().commandLine().orElse("pid " + process.pid());
    }

    /** What a failure shows: up's standard error and the tail of every log under DATA/logs. */
    private record Diagnostics(Path err, Path logs) {

        java.util.function.Supplier<String> with(String message) {
            return () -> {
                StringBuilder text = new StringBuilder(message).append("\n--- ncsn up, standard error:\n")
                        .append(read(err, 60));
                try (Stream<Path> files = Files.exists(logs) ? Files.list(logs) : Stream.empty()) {
                    files.sorted().forEach(f -> text.append("\n--- ").append(f).append(" (last lines):\n").append(read(f, 25)));
                } catch (IOException e) {
                    text.append("\n(cannot list ").append(logs).append(": ").append(e).append(')');
                }
                return text.toString();
            };
        }

        private static String read(Path file, int lastLines) {
            try {
                List<String> lines = Files.readAllLines(file);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - lastLines), lines.size()));
            } catch (IOException e) {
                return "(" + e + ")";
            }
        }
    }
}
