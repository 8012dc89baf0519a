package dev.ncsn.cli;

import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.store.S3Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * `ncsn up`: the whole system on this machine. Decides what runs and how it is wired: the embedded Kafka and S3 pair
 * (data kept under --data) or existing ones, the seed model put into the store when the store has no live version of
 * it, then trainer, sampler and gateway, each its own process, and when each counts as ready; prints the page's URL.
 * Starting, watching and stopping the processes (in order, on Ctrl-C or SIGTERM, or when one ends by itself) is the
 * {@link Supervisor}'s.
 */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole system locally: embedded Kafka and S3, trainer, sampler and gateway, each its own "
                + "process. Prints the page's URL when everything is ready; Ctrl-C (or SIGTERM) stops everything.",
                "Data and logs live under --data and are kept: the next start reuses them."})
final class UpCommand implements Callable<Integer> {

    static final String MODEL = "fashion-mnist";

    /** Longer than the trainer's own shutdown grace (60 s), in which a run finishes its step and saves its state. */
    private static final Duration SERVICE_STOP_GRACE = Duration.ofSeconds(75);
    private static final Duration INFRA_STOP_GRACE = Duration.ofSeconds(30);

    static final String DEFAULT_DATA = ".ncsn/up";
    static final String DEFAULT_SEED = "models/" + MODEL;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Kafka's and S3's data, the trainer's work directory and the logs (kept across runs). "
                    + "Default: " + DEFAULT_DATA + " in the repository")
    Path data;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "The gateway's port: the page and the API. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--trainer-port", paramLabel = "PORT", defaultValue = "8081", description = "Default: ${DEFAULT-VALUE}")
    int trainerPort;

    @Option(names = "--sampler-port", paramLabel = "PORT", defaultValue = "8082", description = "Default: ${DEFAULT-VALUE}")
    int samplerPort;

    @Option(names = "--seed-model", paramLabel = "DIR",
            description = "The checkpoint put into the store as " + MODEL + "'s live version when the store has none "
                    + "(a checkpoint directory, or a `ncsn train --out` directory for its newest checkpoint). "
                    + "Default: " + DEFAULT_SEED + " in the repository")
    Path seedModel;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Use this Kafka (bootstrap servers) instead of the embedded one; needs --s3-endpoint too")
    String kafka;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "Use this S3 store instead of the embedded one; needs --kafka too")
    String s3Endpoint;

    @Option(names = "--s3-access-key", paramLabel = "KEY", defaultValue = "ncsn", description = "Default: ${DEFAULT-VALUE}")
    String s3AccessKey;

    @Option(names = "--s3-secret-key", paramLabel = "KEY", defaultValue = "ncsn-secret", description = "Default: ${DEFAULT-VALUE}")
    String s3SecretKey;

    @Option(names = "--s3-bucket", paramLabel = "NAME", defaultValue = "ncsn", description = "Created if missing. Default: ${DEFAULT-VALUE}")
    String s3Bucket;

    @Option(names = "--api-keys-file", paramLabel = "FILE",
            description = "API keys with their roles (see gateway-service/README.md), passed to every service as "
                    + "NCSN_API_KEYS_FILE. Default: none, an open API on 127.0.0.1")
    Path apiKeysFile;

    @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "How long to wait for each part to be ready. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    /** Stopped after the services (a higher layer), so they can still reach Kafka and S3 while stopping. */
    private static final int INFRA_LAYER = 0;
    private static final int SERVICE_LAYER = 1;

    private final Supervisor supervisor = new Supervisor("ncsn up");
    private final Map<String, ChildProcess> started = new LinkedHashMap<>();
    private Path seedPath;

    @Override
    public Integer call() throws Exception {
        if ((kafka == null) != (s3Endpoint == null)) {
            throw new IllegalArgumentException("give both --kafka and --s3-endpoint to use existing infrastructure, or neither");
        }
        requireDistinctFreePorts();
        if (apiKeysFile != null && !Files.isReadable(apiKeysFile)) {
            throw new IllegalArgumentException("--api-keys-file " + apiKeysFile + " cannot be read");
        }
        long start = System.nanoTime();
        Path home = Path.of(System.getProperty("ncsn.home", ".")).toAbsolutePath().normalize();
        // Defaults are in the repository; paths given are relative to the working directory, as usual.
        Path dataDir = (data == null ? home.resolve(DEFAULT_DATA) : data.toAbsolutePath()).normalize();
        Path logs = dataDir.resolve("logs");
        Files.createDirectories(logs);
        Optional<Path> seed = seedCheckpoint(home); // checked before anything starts
        supervisor.stopOnShutdown(); // SIGINT (Ctrl-C), SIGTERM, SIGHUP: the services first, then Kafka and S3
        try {
            Map<String, String> env = kafka != null ? externalInfrastructure() : startInfrastructure(home, dataDir, logs);
            Optional<String> served = seedModel(seed, env);
            if (apiKeysFile != null) {
                env.put("NCSN_API_KEYS_FILE", apiKeysFile.toAbsolutePath().normalize().toString());
            }
            Map<String, String> trainerEnv = new LinkedHashMap<>(env);
            trainerEnv.put("NCSN_TRAINER_WORK_DIR", dataDir.resolve("trainer").toString());
            startService(home, "trainer-service", trainerPort, trainerEnv, logs);
            startService(home, "sampler-service", samplerPort, env, logs);
            startService(home, "gateway-service", port, env, logs);
            waitReady("trainer-service", "http://127.0.0.1:" + trainerPort + "/q/health/ready");
            // Without a live version the sampler is alive but not ready: it waits for the trainer's first one.
            waitReady("sampler-service", "http://127.0.0.1:" + samplerPort
                    + (served.isPresent() ? "/q/health/ready" : "/q/health/live"));
            waitReady("gateway-service", "http://127.0.0.1:" + port + "/q/health/ready");
            System.err.printf("ncsn up: ready in %d s%n", Duration.ofNanos(System.nanoTime() - start).toSeconds());
            if (served.isEmpty()) {
                System.err.println("ncsn up: WARNING no model is served yet: generations answer 503 until the trainer "
                        + "publishes a first version of " + MODEL + " (start a run: see trainer-service/README.md)");
            }
            System.out.println("NCSN is up: http://127.0.0.1:" + port + "/");
            System.out.println("data: " + dataDir + "   logs: " + logs + "   Ctrl-C stops everything");
            System.out.flush();
            supervisor.watch(); // until a shutdown signal; a child that ends by itself ends `up`
            return 0;
        } catch (Exception e) {
            supervisor.abandon();
            throw e;
        }
    }

    private void requireDistinctFreePorts() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (var entry : List.of(Map.entry(port, "--port (the gateway)"), Map.entry(trainerPort, "--trainer-port"),
                Map.entry(samplerPort, "--sampler-port"))) {
            if (entry.getKey() < 1 || entry.getKey() > 65535) {
                throw new IllegalArgumentException(entry.getValue() + " must be a port number, not " + entry.getKey());
            }
            String other = ports.putIfAbsent(entry.getKey(), entry.getValue());
            if (other != null) {
                throw new IllegalArgumentException(other + " and " + entry.getValue() + " are both " + entry.getKey());
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), entry.getKey()));
            } catch (IOException e) {
                throw new IllegalArgumentException("port " + entry.getKey() + " (" + entry.getValue() + ") is in use, "
                        + "perhaps by another `ncsn up`; choose another with " + entry.getValue().split(" ")[0]);
            }
        }
    }

    private Map<String, String> externalInfrastructure() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("NCSN_S3_ENDPOINT", s3Endpoint);
        env.put("NCSN_S3_ACCESS_KEY", s3AccessKey);
        env.put("NCSN_S3_SECRET_KEY", s3SecretKey);
        env.put("NCSN_S3_BUCKET", s3Bucket);
        System.err.println("ncsn up: using Kafka " + kafka + " and S3 " + s3Endpoint + " (bucket " + s3Bucket + ")");
        return env;
    }

    /** The embedded pair as its own process; its ready lines give the addresses. */
    private Map<String, String> startInfrastructure(Path home, Path dataDir, Path logs) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx1g", "-cp", localInfraClasspath(home),
                "dev.ncsn.infra.LocalInfrastructureMain", "--data", dataDir.resolve("infra").toString(),
                "--access-key", s3AccessKey, "--secret-key", s3SecretKey, "--bucket", s3Bucket));
        for (TopicPlan.Topic topic : TopicPlan.standard().topics()) {
            command.add("--topic");
            command.add(topicSpec(topic));
        }
        Path log = logs.resolve("infra.log");
        Files.deleteIfExists(log);
        System.err.println("ncsn up: starting Kafka and S3 (data in " + dataDir.resolve("infra") + ")…");
        ChildProcess infra = supervisor.start("infrastructure", command, Map.of(), home, log, INFRA_LAYER,
                INFRA_STOP_GRACE);
        supervisor.awaitReady(infra, "Kafka/S3", () -> Files.exists(log)
                && Files.readAllLines(log).contains("NCSN_INFRA_READY"), Duration.ofMillis(250), timeout());
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
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

    /** The class path of local-infra's standalone pair ({@code dev.ncsn.infra.LocalInfrastructureMain}), as built. */
    static String localInfraClasspath(Path home) throws IOException {
        Path module = home.resolve("local-infra");
        Path classpathFile = module.resolve("target/standalone/classpath.txt");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("local-infra is not built (" + classpathFile + " is missing); ./ncsn up builds it");
        }
        return module.resolve("target/classes") + ":" + module.resolve("target/standalone/lib") + "/*:"
                + Files.readString(classpathFile).trim();
    }

    private Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** The seed checkpoint's directory, verified (table, checksum, model name), or empty when there is none. */
    private Optional<Path> seedCheckpoint(Path home) {
        Path given = (seedModel == null ? home.resolve(DEFAULT_SEED) : seedModel.toAbsolutePath()).normalize();
        seedPath = given;
        if (!Files.exists(given)) {
            return Optional.empty();
        }
        Path dir = CheckpointDirectory.resolve(given);
        CheckpointManifest manifest = Checkpoint.read(dir).manifest(); // verifies the table and the checksum
        if (!manifest.modelName().equals(MODEL)) {
            throw new IllegalArgumentException("the seed model " + dir + " is a checkpoint of \"" + manifest.modelName()
                    + "\", but the services serve \"" + MODEL + "\"");
        }
        return Optional.of(dir);
    }

    /** local-infra's {@code --topic} form of a planned topic: {@code NAME:PARTITIONS[:KEY=VALUE]…}. */
    static String topicSpec(TopicPlan.Topic topic) {
        StringBuilder spec = new StringBuilder(topic.name()).append(':').append(topic.partitions());
        new java.util.TreeMap<>(topic.configs()).forEach((k, v) -> spec.append(':').append(k).append('=').append(v));
        return spec.toString();
    }

    /**
     * Puts the seed checkpoint into the store as the model's live version when the store has none. Returns the live
     * version, or empty when there is none (no seed either): the sampler then waits for the trainer's first one.
     * The files are copied as they are (verified first), in the store's order: parameters, extras, manifest, pointer.
     */
    private Optional<String> seedModel(Optional<Path> seed, Map<String, String> env) throws IOException {
        ModelStore store = ModelStore.connect(new S3Endpoint(env.get("NCSN_S3_ENDPOINT"),
                env.get("NCSN_S3_ACCESS_KEY"), env.get("NCSN_S3_SECRET_KEY"), env.get("NCSN_S3_BUCKET")));
        Optional<LivePointer> live = store.live(MODEL);
        if (live.isPresent()) {
            System.err.println("ncsn up: the store serves " + MODEL + " version " + live.get().version()
                    + " (step " + live.get().step() + "); the seed model is not used");
            return Optional.of(live.get().version());
        }
        if (seed.isEmpty()) {
            System.err.println("ncsn up: WARNING the store has no " + MODEL + " model and there is no seed model at "
                    + seedPath + " (--seed-model): the sampler waits until the trainer publishes one");
            return Optional.empty();
        }
        Path dir = seed.get();
        CheckpointManifest manifest = store.putCheckpointDirectory(dir);
        String prefix = ModelStore.versionPrefix(MODEL, manifest.versionId());
        store.setLive(new LivePointer(MODEL, manifest.versionId(), prefix, manifest.trainingStep(), manifest.metrics(),
                Instant.now()));
        System.err.println("ncsn up: put the seed model " + dir + " into the store as " + MODEL + " version "
                + manifest.versionId() + " (step " + manifest.trainingStep() + "), live");
        return Optional.of(manifest.versionId());
    }

    private void startService(Path home, String name, int httpPort, Map<String, String> infra, Path logs) throws IOException {
        Path jar = home.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not built (" + jar + " is missing); ./ncsn up builds it");
        }
        Map<String, String> env = new LinkedHashMap<>(infra);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        // Trainer and sampler share the machine: idle PyTorch threads must not spin (see the README).
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            env.put("OMP_WAIT_POLICY", "PASSIVE");
        }
        Path log = logs.resolve(name + ".log");
        Files.deleteIfExists(log);
        System.err.println("ncsn up: starting " + name + " on port " + httpPort + "…");
        started.put(name, supervisor.start(name, List.of(javaBin(), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.graph_optimizer=false", "-jar", jar.toString()), env, home, log, SERVICE_LAYER,
                SERVICE_STOP_GRACE));
    }

    private void waitReady(String name, String url) throws Exception {
        supervisor.awaitReady(started.get(name), name, () -> ChildProcess.answers(url), Duration.ofMillis(500),
                timeout());
        System.err.println("ncsn up: " + name + " is ready");
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
