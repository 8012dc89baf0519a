package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone pair: a real child process, its printed addresses, and SIGTERM. */
class LocalInfrastructureMainTest {

    @Test
    void parsesOptions() {
        LocalInfrastructureMain.Options o = LocalInfrastructureMain.Options.parse(new String[] {
            "--data", "/tmp/x", "--kafka-port=9092", "--s3-port", "9000", "--topic", "a.b:12",
            "--topic", "c:1:compact", "--env-file", "env", "--bucket", "bkt"});
        assertEquals(Paths.get("/tmp/x"), o.dataDir);
        assertEquals(9092, o.kafkaPort);
        assertEquals(9000, o.s3Port);
        assertEquals("bkt", o.bucket);
        assertEquals(List.of(new TopicSpec("a.b", 12, false),
                new TopicSpec("c", 1, true)), o.topics);
        assertEquals(Paths.get("env"), o.envFile);
        assertEquals(Paths.get(LocalInfrastructureMain.DEFAULT_DATA_DIR),
                LocalInfrastructureMain.Options.parse(new String[0]).dataDir);
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--nope", "1"}));
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--kafka-port", "x"}));
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--topic", "t:0"}));
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--topic", "t:1:weird"}));
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--data"}));
        assertEquals("kafka", LocalInfrastructureMain.Options.parse(new String[] {"--only", "kafka"}).only);
        assertEquals("s3", LocalInfrastructureMain.Options.parse(new String[] {"--only=s3"}).only);
        assertThrows(IllegalArgumentException.class, () -> LocalInfrastructureMain.Options.parse(new String[] {"--only", "both"}));
    }

    @Test
    void runsAsAProcessPrintsAddressesAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
        int kafkaPort = Ports.free();
        int s3Port = Ports.free();
        Path envFile = dir.resolve("infra.env");
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", System.getProperty("java.class.path"),
                LocalInfrastructureMain.class.getName(),
                "--data", dir.resolve("data").toString(),
                "--kafka-port", Integer.toString(kafkaPort),
                "--s3-port", Integer.toString(s3Port),
                "--topic", "it.main:3",
                "--topic", "it.main-compacted:1:compact",
                "--env-file", envFile.toString()));
        Path stderr = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        try {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            CompletableFuture.runAsync(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    // the process ended
                }
                lines.add("<EOF>");
            });
            Map<String, String> printed = new LinkedHashMap<>();
            String line;
            while (!"NCSN_INFRA_READY".equals(line = lines.poll(120, TimeUnit.SECONDS))) {
                assertTrue(line != null && !line.equals("<EOF>"), "the process printed NCSN_INFRA_READY; got " + printed);
                int eq = line.indexOf('=');
                printed.put(line.substring(0, eq), line.substring(eq + 1));
            }
            assertEquals("127.0.0.1:" + kafkaPort, printed.get("KAFKA_BOOTSTRAP"));
            assertEquals("http://127.0.0.1:" + s3Port, printed.get("S3_ENDPOINT"));
            assertEquals(LocalInfrastructure.DEFAULT_ACCESS_KEY, printed.get("S3_ACCESS_KEY"));
            assertEquals(LocalInfrastructure.DEFAULT_SECRET_KEY, printed.get("S3_SECRET_KEY"));
            assertEquals(LocalInfrastructure.DEFAULT_BUCKET, printed.get("S3_BUCKET"));

            String env = Files.readString(envFile);
            assertTrue(env.contains("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" + kafkaPort + "\n"), env);
            assertTrue(env.contains("NCSN_S3_ENDPOINT=http://127.0.0.1:" + s3Port + "\n"), env);
            assertTrue(env.contains("NCSN_S3_BUCKET=ncsn\n"), env);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, printed.get("KAFKA_BOOTSTRAP")))) {
                TopicDescription topic = admin.describeTopics(List.of("it.main")).allTopicNames().get().get("it.main");
                assertEquals(3, topic.partitions().size());
                ConfigResource compacted = new ConfigResource(ConfigResource.Type.TOPIC, "it.main-compacted");
                assertEquals("compact", admin.describeConfigs(List.of(compacted)).all().get()
                        .get(compacted).get("cleanup.policy").value());
            }
            LocalInfrastructure view = new LocalInfrastructure(LocalInfrastructure.Mode.EMBEDDED,
                    printed.get("KAFKA_BOOTSTRAP"), printed.get("S3_ENDPOINT"), printed.get("S3_ACCESS_KEY"),
                    printed.get("S3_SECRET_KEY"), List.of(), false);
            try (var s3 = view.s3Client()) {
                assertTrue(s3.bucketExists(io.minio.BucketExistsArgs.builder().bucket("ncsn").build()));
            }

            // SIGTERM. Not Process.destroy(): it also closes our ends of the child's pipes.
            assertTrue(process.toHandle().destroy());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped within a minute of SIGTERM");
            List<String> rest = new ArrayList<>();
            while (!"<EOF>".equals(line = lines.poll(10, TimeUnit.SECONDS)) && line != null) {
                rest.add(line);
            }
            assertEquals(List.of("NCSN_INFRA_STOPPED"), rest,
                    "the shutdown hook ran to its end; exit " + process.exitValue() + ", stderr:\n" + Files.readString(stderr));
            assertEquals(143, process.exitValue(), "128 + SIGTERM");
            assertFalse(Files.exists(envFile), "the env file goes with the process");
        } finally {
            process.destroyForcibly();
        }
    }
}
