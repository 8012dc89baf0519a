package dev.ncsn.cli;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.contract.Topics;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * `ncsn up`: the whole system on this machine. Starts the embedded Kafka and S3 pair (data kept under --data),
 * puts the shipped model into the store when the store has none, starts trainer, sampler and gateway as separate
 * processes, waits until they are ready, prints the page's URL, and stops everything on Ctrl-C.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run the whole system locally: embedded Kafka and S3, trainer, sampler and gateway. Ctrl-C stops it.")
final class UpCommand implements Callable<Integer> {

    static final String MODEL = "fashion-mnist";

    @Option(names = "--data", defaultValue = ".ncsn/up", description = "Where Kafka's and S3's data and the logs live (kept across runs). Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--port", defaultValue = "8080", description = "The gateway's port (the page). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--kafka", description = "Use this Kafka (bootstrap servers) instead of the embedded one")
    String kafka;

    @Option(names = "--s3-endpoint", description = "Use this S3 store instead of the embedded one")
    String s3Endpoint;

    @Option(names = "--s3-access-key", defaultValue = "ncsn", description = "Default: ${DEFAULT-VALUE}")
    String s3AccessKey;

    @Option(names = "--s3-secret-key", defaultValue = "ncsn-secret", description = "Default: ${DEFAULT-VALUE}")
    String s3SecretKey;

    @Option(names = "--s3-bucket", defaultValue = "ncsn", description = "Default: ${DEFAULT-VALUE}")
    String s3Bucket;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds to wait for each part to be ready. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    private final List<ChildProcess> children = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if ((kafka == null) != (s3Endpoint == null)) {
            throw new IllegalArgumentException("give both --kafka and --s3-endpoint to use existing infrastructure, or neither");
        }
        Path home = Path.of(System.getProperty("ncsn.home", ".")).toAbsolutePath().normalize();
        Path dataDir = data.isAbsolute() ? data : home.resolve(data);
        Path logs = dataDir.resolve("logs");
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("\nncsn up: stopping…");
            stopAll();
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Map<String, String> env = kafka != null ? externalInfrastructure() : startInfrastructure(home, dataDir, logs);
            boolean haveModel = seedModel(home, env);
            startService(home, "trainer-service", 8081, env, logs);
            startService(home, "sampler-service", 8082, env, logs);
            startService(home, "gateway-service", port, env, logs);
            waitReady("trainer-service", "http://127.0.0.1:8081/q/health/ready");
            waitReady("sampler-service", haveModel ? "http://127.0.0.1:8082/q/health/ready"
                    : "http://127.0.0.1:8082/q/health/live");
            waitReady("gateway-service", "http://127.0.0.1:" + port + "/q/health/ready");
            System.out.println("NCSN is up: http://127.0.0.1:" + port + "/");
            System.out.println("logs: " + logs + "   Ctrl-C stops everything");
            System.out.flush();
            while (true) {
                for (ChildProcess child : children) {
                    if (!child.alive()) {
                        throw new IllegalStateException(child.name + " stopped unexpectedly; last lines of "
                                + child.log + ":\n" + child.tail(20));
                    }
                }
                Thread.sleep(1000);
            }
        } catch (RuntimeException | InterruptedException e) {
            stopAll();
            throw e;
        }
    }

    private Map<String, String> externalInfrastructure() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("NCSN_S3_ENDPOINT", s3Endpoint);
        env.put("NCSN_S3_ACCESS_KEY", s3AccessKey);
        env.put("NCSN_S3_SECRET_KEY", s3SecretKey);
        env.put("NCSN_S3_BUCKET", s3Bucket);
        return env;
    }

    /** The embedded pair as its own process; its ready lines give the addresses. */
    private Map<String, String> startInfrastructure(Path home, Path dataDir, Path logs) throws IOException, InterruptedException {
        Path module = home.resolve("local-infra");
        Path classpathFile = module.resolve("target/standalone/classpath.txt");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("local-infra is not built (" + classpathFile + " is missing); run ./ncsn up, which builds it");
        }
        String classpath = module.resolve("target/classes") + ":" + module.resolve("target/standalone/lib") + "/*:"
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx1g", "-cp", classpath,
                "dev.ncsn.infra.LocalInfrastructureMain", "--data", dataDir.resolve("infra").toString(),
                "--access-key", s3AccessKey, "--secret-key", s3SecretKey, "--bucket", s3Bucket));
        for (String topic : List.of(Topics.GENERATION_REQUESTS + ":12", Topics.INPAINTING_REQUESTS + ":12",
                Topics.FRAMES + ":12", Topics.MODEL_UPDATES + ":1:compact", Topics.CONTROL + ":1",
                Topics.DEAD_LETTER + ":1")) {
            command.add("--topic");
            command.add(topic);
        }
        Path log = logs.resolve("infra.log");
        Files.createDirectories(logs);
        Files.deleteIfExists(log);
        System.err.println("ncsn up: starting Kafka and S3 (data in " + dataDir.resolve("infra") + ")…");
        ChildProcess infra = ChildProcess.start("infrastructure", command, Map.of(), home, log);
        children.add(infra);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        Map<String, String> values = new HashMap<>();
        while (System.nanoTime() < deadline) {
            if (!infra.alive()) {
                throw new IllegalStateException("Kafka/S3 did not start; last lines of " + log + ":\n" + infra.tail(20));
            }
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.contains("NCSN_INFRA_READY")) {
                for (String line : lines) {
                    int eq = line.indexOf('=');
                    if (eq > 0 && line.matches("[A-Z0-9_]+=.*")) {
                        values.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
                Map<String, String> env = new LinkedHashMap<>();
                env.put("KAFKA_BOOTSTRAP_SERVERS", values.get("KAFKA_BOOTSTRAP"));
                env.put("NCSN_S3_ENDPOINT", values.get("S3_ENDPOINT"));
                env.put("NCSN_S3_ACCESS_KEY", values.get("S3_ACCESS_KEY"));
                env.put("NCSN_S3_SECRET_KEY", values.get("S3_SECRET_KEY"));
                env.put("NCSN_S3_BUCKET", values.get("S3_BUCKET"));
                System.err.println("ncsn up: Kafka " + env.get("KAFKA_BOOTSTRAP_SERVERS") + ", S3 " + env.get("NCSN_S3_ENDPOINT"));
                return env;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Kafka/S3 not ready after " + timeoutSeconds + " s; see " + log);
    }

    /** Puts the shipped model (models/fashion-mnist in the repository) into the store when it has no live version. */
    private boolean seedModel(Path home, Map<String, String> env) {
        ModelStore store = ModelStore.connect(env.get("NCSN_S3_ENDPOINT"), env.get("NCSN_S3_ACCESS_KEY"),
                env.get("NCSN_S3_SECRET_KEY"), env.get("NCSN_S3_BUCKET"));
        if (store.live(MODEL).isPresent()) {
            System.err.println("ncsn up: the store serves " + MODEL + " version " + store.live(MODEL).get().version());
            return true;
        }
        Path shipped = home.resolve("models").resolve(MODEL);
        if (!Files.isRegularFile(shipped.resolve(Checkpoint.MANIFEST_FILE))) {
            System.err.println("ncsn up: WARNING no shipped model at " + shipped + " and none in the store: the sampler "
                    + "waits until the trainer publishes one");
            return false;
        }
        LoadedCheckpoint checkpoint = Checkpoint.read(shipped);
        var manifest = checkpoint.manifest();
        Map<String, byte[]> extras = new LinkedHashMap<>();
        try {
            Path samples = shipped.resolve("samples.png");
            if (Files.isRegularFile(samples)) {
                extras.put("samples.png", Files.readAllBytes(samples));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            store.putVersion(manifest.unsealed(), checkpoint.toNDArrays(manager), extras);
        }
        store.setLive(new LivePointer(MODEL, manifest.versionId(), ModelStore.versionPrefix(MODEL, manifest.versionId()),
                manifest.trainingStep(), manifest.metrics(), Instant.now()));
        System.err.println("ncsn up: put the shipped model " + MODEL + " version " + manifest.versionId() + " into the store");
        return true;
    }

    private void startService(Path home, String name, int httpPort, Map<String, String> infra, Path logs) throws IOException {
        Path jar = home.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not built (" + jar + " is missing); run ./ncsn up, which builds it");
        }
        Map<String, String> env = new LinkedHashMap<>(infra);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        Path log = logs.resolve(name + ".log");
        Files.deleteIfExists(log);
        System.err.println("ncsn up: starting " + name + " on port " + httpPort + "…");
        children.add(ChildProcess.start(name, List.of(javaBin(), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.graph_optimizer=false", "-jar", jar.toString()), env, home, log));
    }

    private void waitReady(String name, String url) throws InterruptedException {
        ChildProcess child = children.stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        while (System.nanoTime() < deadline) {
            if (!child.alive()) {
                throw new IllegalStateException(name + " stopped while starting; last lines of " + child.log + ":\n"
                        + child.tail(20));
            }
            if (ChildProcess.answers(url)) {
                System.err.println("ncsn up: " + name + " is ready");
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " not ready after " + timeoutSeconds + " s (" + url + "); see " + child.log);
    }

    /** Services first, in reverse order of start, the infrastructure last. */
    private synchronized void stopAll() {
        for (int i = children.size() - 1; i >= 0; i--) {
            children.get(i).stop(Duration.ofSeconds(30));
        }
        children.clear();
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
