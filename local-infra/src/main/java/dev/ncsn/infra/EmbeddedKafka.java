package dev.ncsn.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real, single-node Kafka broker (KRaft, combined broker and controller) running in this JVM.
 *
 * <p>It listens on 127.0.0.1 only, with PLAINTEXT, and keeps its log directory in the directory
 * the caller chooses: started again on the same directory, it keeps its topics, records and
 * committed offsets. The directory must belong to this broker alone (Kafka takes every
 * subdirectory for a topic partition).
 *
 * <p>This uses Kafka's internal server API ({@link KafkaRaftServer}, {@link Formatter}), so the
 * broker jars must have exactly the version of the kafka-clients in use (the one the Quarkus BOM
 * pins).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /** Starts a broker on a free port, with its data in {@code dataDir} (created if missing). */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, 0);
    }

    /**
     * Starts a broker with its data in {@code dataDir} (created if missing; formatted on first
     * use) and its client listener on {@code port}, or on a free port when {@code port} is 0.
     * Returns once the broker accepts clients.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        // Kafka loads plugins (and log4j its lookups) through the context class loader, and its
        // threads inherit it: make it the loader of the broker classes, whatever the caller's is
        // (Quarkus runs test resources with its own class loader as the context loader).
        Thread thread = Thread.currentThread();
        ClassLoader callerContext = thread.getContextClassLoader();
        thread.setContextClassLoader(EmbeddedKafka.class.getClassLoader());
        try {
            return startWithContextLoader(dataDir, port);
        } finally {
            thread.setContextClassLoader(callerContext);
        }
    }

    private static EmbeddedKafka startWithContextLoader(Path dataDir, int port) {
        QuietLogging.apply();
        reportExitRequests();
        Path dir = dataDir.toAbsolutePath().normalize();
        int brokerPort = Ports.orFree(port);
        int controllerPort = Ports.free();
        while (controllerPort == brokerPort) {
            controllerPort = Ports.free();
        }
        try {
            Files.createDirectories(dir);
            KafkaConfig config = new KafkaConfig(brokerProperties(dir, brokerPort, controllerPort), false);
            if (!Files.exists(dir.resolve("meta.properties"))) {
                format(dir);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            EmbeddedKafka kafka = new EmbeddedKafka(dir, brokerPort, controllerPort, server);
            try {
                server.startup();
                kafka.awaitReady(Duration.ofSeconds(60));
            } catch (Exception | Error e) {
                try {
                    kafka.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use Kafka data directory " + dir, e);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka did not start on " + dir, e);
        }
    }

    /**
     * Kafka ends the process on faults it cannot survive (Exit.halt/exit). That is its job in a
     * broker process, but in a test JVM it would end the run without a word: say why first.
     */
    private static synchronized void reportExitRequests() {
        if (exitReporting) {
            return;
        }
        exitReporting = true;
        Exit.setHaltProcedure((code, message) -> {
            System.err.println("embedded Kafka halts the JVM (status " + code + "): " + message);
            new Throwable("embedded Kafka halt request").printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(code);
        });
        Exit.setExitProcedure((code, message) -> {
            System.err.println("embedded Kafka exits the JVM (status " + code + "): " + message);
            new Throwable("embedded Kafka exit request").printStackTrace();
            System.err.flush();
            System.exit(code);
        });
    }

    private static boolean exitReporting;

    static Map<String, Object> brokerProperties(Path dir, int brokerPort, int controllerPort) {
        Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + Ports.HOST + ":" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://" + Ports.HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + Ports.HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + Ports.HOST + ":" + brokerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", dir.toString());
        // One node: every internal topic with replication factor 1, or consumers silently get nothing.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "4");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        // Tests and local runs: no waiting for more members before the first rebalance.
        p.put("group.initial.rebalance.delay.ms", "0");
        // Small footprint for a 2-core machine; the log cleaner (compacted topics) keeps working.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        return p;
    }

    private static void format(Path dir) throws Exception {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        new Formatter()
                .setPrintStream(discard)
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dir.toString()))
                .setMetadataLogDirectory(dir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitReady(Duration timeout) {
        Map<String, Object> props = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded Kafka not ready after " + timeout, e);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("embedded Kafka not ready after " + timeout);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for embedded Kafka", e);
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return Ports.HOST + ":" + port;
    }

    /** The client (PLAINTEXT) port. */
    public int port() {
        return port;
    }

    /** The KRaft controller port (clients do not need it). */
    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's log directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down cleanly (its data stay in {@link #dataDir()}). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", " + dataDir + "]";
    }
}
