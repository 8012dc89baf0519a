package dev.ncsn.infra;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A Kafka broker and an S3-compatible store for tests and local runs: either the embedded pair
 * ({@link EmbeddedKafka} and {@link EmbeddedS3}, in this JVM, no Docker needed) or, where Docker
 * is available, Testcontainers' Kafka and MinIO containers.
 *
 * <p>Tests use {@link #shared()}: one pair per JVM, started on first use and stopped by a
 * shutdown hook, chosen by the system property {@value #MODE_PROPERTY}:
 * <ul>
 *   <li>{@code embedded}: always the embedded pair;</li>
 *   <li>{@code docker}: always Testcontainers (fails without Docker);</li>
 *   <li>{@code auto} (default): Testcontainers when Docker answers, else embedded. Docker is
 *       only asked when a Docker socket or {@code DOCKER_HOST} is visible, so machines without
 *       Docker pay nothing for the check.</li>
 * </ul>
 * The environment variable {@code NCSN_INFRA} is read when the system property is absent.
 *
 * <p>This class is the handle (addresses, client settings, buckets and topics) and how a pair starts; the switch
 * is {@link ModeSwitch}, the Docker check {@link DockerProbe}, and the one pair per JVM {@link SharedInfrastructure}.
 *
 * <p>Local runs use {@link #startEmbedded(Path, int, int, String, String)} (or
 * {@link LocalInfrastructureMain} as a process), which keeps the data in the given directory
 * across restarts.
 */
public final class LocalInfrastructure implements AutoCloseable {

    /** How the pair runs. */
    public enum Mode {
        /** Kafka and S3Proxy in this JVM. */
        EMBEDDED,
        /** Testcontainers: apache/kafka and MinIO containers. */
        DOCKER
    }

    /** System property choosing the mode of {@link #shared()}: {@code embedded}, {@code docker} or {@code auto}. */
    public static final String MODE_PROPERTY = "ncsn.infra";
    /** Environment variable read when {@link #MODE_PROPERTY} is not set. */
    public static final String MODE_ENV = "NCSN_INFRA";

    public static final String DEFAULT_BUCKET = "ncsn";
    public static final String DEFAULT_ACCESS_KEY = "ncsn";
    /** MinIO wants at least 8 characters. */
    public static final String DEFAULT_SECRET_KEY = "ncsn-secret";
    /** The region clients should sign for (S3Proxy ignores it; it is MinIO's default). */
    public static final String DEFAULT_REGION = "us-east-1";

    /** Config keys returned by {@link #config(String)} (and injected by {@link InfrastructureTestResource}). */
    public static final String KAFKA_BOOTSTRAP_SERVERS_KEY = "kafka.bootstrap.servers";
    public static final String S3_ENDPOINT_KEY = "ncsn.s3.endpoint";
    public static final String S3_ACCESS_KEY_KEY = "ncsn.s3.access-key";
    public static final String S3_SECRET_KEY_KEY = "ncsn.s3.secret-key";
    public static final String S3_BUCKET_KEY = "ncsn.s3.bucket";

    /** Environment variables returned by {@link #environment(String)}: what the services read. */
    public static final String KAFKA_BOOTSTRAP_SERVERS_ENV = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String S3_ENDPOINT_ENV = "NCSN_S3_ENDPOINT";
    public static final String S3_ACCESS_KEY_ENV = "NCSN_S3_ACCESS_KEY";
    public static final String S3_SECRET_KEY_ENV = "NCSN_S3_SECRET_KEY";
    public static final String S3_BUCKET_ENV = "NCSN_S3_BUCKET";

    private final Mode mode;
    private final String kafkaBootstrapServers;
    private final String s3Endpoint;
    private final String s3AccessKey;
    private final String s3SecretKey;
    /** Closed in reverse order; empty for a non-owning handle. */
    private final List<AutoCloseable> resources;
    /** The JVM-wide instance ignores close(): its shutdown hook closes it. */
    private final boolean closeable;
    private boolean closed;
    /** The broker of an embedded pair this handle started (null otherwise, or while stopped): it can restart. */
    private EmbeddedKafka embeddedKafka;
    /** Where a restarted broker keeps its log and listens: the stopped one's. */
    private Path kafkaDataDir;
    private int kafkaPort;

    LocalInfrastructure(Mode mode, String kafkaBootstrapServers, String s3Endpoint, String s3AccessKey,
            String s3SecretKey, List<AutoCloseable> resources, boolean closeable) {
        this.mode = Objects.requireNonNull(mode);
        this.kafkaBootstrapServers = Objects.requireNonNull(kafkaBootstrapServers);
        this.s3Endpoint = Objects.requireNonNull(s3Endpoint);
        this.s3AccessKey = Objects.requireNonNull(s3AccessKey);
        this.s3SecretKey = Objects.requireNonNull(s3SecretKey);
        this.resources = new ArrayList<>(resources);
        this.closeable = closeable;
    }

    // ---------------------------------------------------------------------------------- starting

    /**
     * Starts the embedded pair on free ports with the default keys: Kafka's data in
     * {@code dataDir/kafka}, the buckets in {@code dataDir/s3}.
     */
    public static LocalInfrastructure startEmbedded(Path dataDir) {
        return startEmbedded(dataDir, 0, 0, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    /**
     * Starts the embedded pair: Kafka's data in {@code dataDir/kafka} on {@code kafkaPort}, the
     * buckets in {@code dataDir/s3} on {@code s3Port} (0: a free port), accepting the given keys.
     * Kafka and S3 start in parallel. Data already in {@code dataDir} are kept.
     */
    public static LocalInfrastructure startEmbedded(Path dataDir, int kafkaPort, int s3Port, String accessKey,
            String secretKey) {
        Path dir = dataDir.toAbsolutePath().normalize();
        QuietLogging.apply();
        // S3Proxy starts in well under a second; Kafka takes seconds. Overlap them.
        CompletableFuture<EmbeddedS3> s3 = new CompletableFuture<>();
        Thread s3Starter = new Thread(() -> {
            try {
                s3.complete(EmbeddedS3.start(dir.resolve("s3"), s3Port, accessKey, secretKey));
            } catch (Throwable t) {
                s3.completeExceptionally(t);
            }
        }, "ncsn-infra-s3-start");
        s3Starter.setDaemon(true);
        s3Starter.start();
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort);
        } catch (RuntimeException e) {
            s3.thenAccept(EmbeddedS3::close);
            throw e;
        }
        EmbeddedS3 store;
        try {
            store = s3.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            kafka.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("embedded S3 did not start", cause);
        }
        LocalInfrastructure infra = new LocalInfrastructure(Mode.EMBEDDED, kafka.bootstrapServers(), store.endpoint(),
                accessKey, secretKey, List.of(), true);
        infra.embeddedKafka = kafka;
        infra.kafkaDataDir = kafka.dataDir();
        infra.kafkaPort = kafka.port();
        // Closed in reverse order: S3 last, the broker (whichever instance runs then) before it.
        infra.resources.add(store);
        infra.resources.add(infra::stopKafkaIfRunning);
        return infra;
    }

    /** Starts Kafka and MinIO containers (needs Docker and Testcontainers on the class path). */
    public static LocalInfrastructure startDocker() {
        return DockerInfrastructure.start(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    /** Starts the pair in the given mode; {@code dataDir} is used by the embedded mode only. */
    public static LocalInfrastructure start(Mode mode, Path dataDir) {
        return mode == Mode.DOCKER ? startDocker() : startEmbedded(dataDir);
    }

    // ---------------------------------------------------------------------------------- sharing and the switch

    /**
     * The JVM-wide pair for tests: started on first call in the mode {@link #resolveMode()} chooses (embedded data
     * in a temporary directory), closed by a shutdown hook, so each server starts once per test run; shared across
     * class loaders, so plain JUnit tests and {@code @QuarkusTest}s share one pair (see {@link SharedInfrastructure}).
     * {@link #close()} on it does nothing.
     */
    public static LocalInfrastructure shared() {
        return SharedInfrastructure.get();
    }

    /**
     * Internal: the shared pair's coordinates as strings, so that another class loader can reach it
     * ({@link SharedInfrastructure} calls this reflectively on the system class loader's copy). Starts the pair if
     * needed.
     */
    public static Map<String, String> sharedDescriptor() {
        return SharedInfrastructure.descriptorHere();
    }

    /**
     * The mode {@link #shared()} uses: {@value #MODE_PROPERTY} (or {@code NCSN_INFRA}) = {@code embedded},
     * {@code docker}, or {@code auto}/unset (Docker if available); see {@link ModeSwitch}.
     */
    public static Mode resolveMode() {
        return ModeSwitch.resolve();
    }

    /** Whether Testcontainers can reach a Docker engine; cheap when there is none (see {@link DockerProbe}). */
    public static boolean dockerAvailable() {
        return DockerProbe.available();
    }

    // ---------------------------------------------------------------------------------- a broker restart

    /**
     * Stops the broker of an embedded pair this handle started, cleanly (Kafka's controlled shutdown), keeping its
     * log directory: clients see the broker gone until {@link #startKafka()}. For fault tests (a broker restart
     * mid-job); the JVM-wide {@link #shared()} pair refuses, since other tests use it.
     */
    public synchronized void stopKafka() {
        requireRestartable();
        if (embeddedKafka == null) {
            throw new IllegalStateException("the broker is stopped already");
        }
        embeddedKafka.close();
        embeddedKafka = null;
    }

    /**
     * Starts the stopped broker again on the same port and the same log directory: topics, records, committed offsets
     * and producer state are as they were, and clients reconnect to the same bootstrap address. Returns once it
     * accepts clients.
     */
    public synchronized void startKafka() {
        requireRestartable();
        if (embeddedKafka != null) {
            throw new IllegalStateException("the broker is running");
        }
        if (closed) {
            throw new IllegalStateException("this pair is closed");
        }
        embeddedKafka = EmbeddedKafka.start(kafkaDataDir, kafkaPort);
    }

    /** Whether the broker of this embedded pair is running (always true for a pair it cannot restart). */
    public synchronized boolean kafkaRunning() {
        return kafkaDataDir == null || embeddedKafka != null;
    }

    private void requireRestartable() {
        if (kafkaDataDir == null) {
            throw new IllegalStateException("only an embedded pair started by startEmbedded (not " + mode
                    + (closeable ? "" : ", shared") + ") can stop and start its broker");
        }
    }

    private synchronized void stopKafkaIfRunning() {
        if (embeddedKafka != null) {
            embeddedKafka.close();
            embeddedKafka = null;
        }
    }

    // ---------------------------------------------------------------------------------- using

    public Mode mode() {
        return mode;
    }

    /** For Kafka clients' {@code bootstrap.servers}, e.g. {@code 127.0.0.1:40123}. */
    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    /** The S3 endpoint URL, e.g. {@code http://127.0.0.1:40124} (path-style addressing). */
    public String s3Endpoint() {
        return s3Endpoint;
    }

    public String s3AccessKey() {
        return s3AccessKey;
    }

    public String s3SecretKey() {
        return s3SecretKey;
    }

    /** {@link #config(String)} for {@link #DEFAULT_BUCKET}. */
    public Map<String, String> config() {
        return config(DEFAULT_BUCKET);
    }

    /**
     * Config properties for a service: {@code kafka.bootstrap.servers}, {@code ncsn.s3.endpoint},
     * {@code ncsn.s3.access-key}, {@code ncsn.s3.secret-key}, {@code ncsn.s3.bucket}.
     */
    public Map<String, String> config(String bucket) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(KAFKA_BOOTSTRAP_SERVERS_KEY, kafkaBootstrapServers);
        c.put(S3_ENDPOINT_KEY, s3Endpoint);
        c.put(S3_ACCESS_KEY_KEY, s3AccessKey);
        c.put(S3_SECRET_KEY_KEY, s3SecretKey);
        c.put(S3_BUCKET_KEY, bucket);
        return Collections.unmodifiableMap(c);
    }

    /** {@link #environment(String)} for {@link #DEFAULT_BUCKET}. */
    public Map<String, String> environment() {
        return environment(DEFAULT_BUCKET);
    }

    /**
     * The same as environment variables for a service process: {@code KAFKA_BOOTSTRAP_SERVERS},
     * {@code NCSN_S3_ENDPOINT}, {@code NCSN_S3_ACCESS_KEY}, {@code NCSN_S3_SECRET_KEY},
     * {@code NCSN_S3_BUCKET}.
     */
    public Map<String, String> environment(String bucket) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put(KAFKA_BOOTSTRAP_SERVERS_ENV, kafkaBootstrapServers);
        e.put(S3_ENDPOINT_ENV, s3Endpoint);
        e.put(S3_ACCESS_KEY_ENV, s3AccessKey);
        e.put(S3_SECRET_KEY_ENV, s3SecretKey);
        e.put(S3_BUCKET_ENV, bucket);
        return Collections.unmodifiableMap(e);
    }

    /** A new MinIO client for the S3 store (the caller closes it). */
    public MinioClient s3Client() {
        return MinioClient.builder()
                .endpoint(s3Endpoint)
                .credentials(s3AccessKey, s3SecretKey)
                .region(DEFAULT_REGION)
                .build();
    }

    /** Creates the bucket unless it exists. */
    public void createBucket(String bucket) {
        try (MinioClient client = s3Client()) {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    String code = e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                        throw e;
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create bucket " + bucket + " at " + s3Endpoint, e);
        }
    }

    /** Admin/producer/consumer base properties: just {@code bootstrap.servers}. */
    public Map<String, Object> kafkaClientProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        return p;
    }

    /**
     * Creates a topic with replication factor 1 unless it exists (its partitions and configs are
     * then left as they are). {@code configs} are topic configs such as
     * {@code cleanup.policy=compact}.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(kafkaClientProperties())) {
            NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + name, e.getCause());
                }
            }
            awaitLeaders(admin, name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /**
     * Waits until the broker describes the topic with a leader for every partition. A KRaft broker acknowledges a
     * creation once the controller has it, a moment before its own metadata does; a client that comes at once could
     * still be told the topic does not exist.
     */
    private static void awaitLeaders(Admin admin, String name) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                var description = admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS).get(name);
                if (description != null && !description.partitions().isEmpty()
                        && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + name, e.getCause());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topic " + name + " has no leader for every partition after 30 s");
            }
            Thread.sleep(50);
        }
    }

    /** {@link #createTopic(String, int, Map)} for a {@link TopicSpec}. */
    public void createTopic(TopicSpec topic) {
        createTopic(topic.name(), topic.partitions(), topic.configs());
    }

    /**
     * Stops what this handle started (the data of the embedded pair stay in its directory).
     * Does nothing on {@link #shared()}, which a shutdown hook stops. Idempotent.
     */
    @Override
    public void close() {
        if (closeable) {
            closeResources();
        }
    }

    synchronized void closeResources() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("infrastructure did not stop cleanly", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temporary directory
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return "LocalInfrastructure[" + mode + ", kafka " + kafkaBootstrapServers + ", s3 " + s3Endpoint + "]";
    }
}
