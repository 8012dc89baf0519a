package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot run here (no Docker); this checks what the rest of the system relies
 * on: the service names, the topics kafka-init creates, the environment the services read.
 * SnakeYAML (on the class path through Kafka) resolves the YAML merge keys ({@code <<}) the
 * file uses, as Compose does.
 */
class DockerComposeFileTest {

    private static Map<String, Object> services;
    private static Map<String, Object> compose;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws Exception {
        Path file = Paths.get("..", "docker-compose.yml");
        assertTrue(Files.isRegularFile(file), "docker-compose.yml at the repository root");
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            compose = new Yaml().load(in);
        }
        services = (Map<String, Object>) compose.get("services");
        assertNotNull(services);
    }

    @Test
    void hasTheInfrastructureAndTheThreeServices() {
        assertEquals(List.of("kafka", "kafka-init", "minio", "minio-init", "seed", "trainer-service",
                "sampler-service", "gateway-service"), List.copyOf(services.keySet()));
    }

    @Test
    void kafkaImageMatchesTheClientVersion() {
        String clientVersion = AppInfoParser.getVersion();
        assertEquals("apache/kafka:" + clientVersion, service("kafka").get("image"));
        assertEquals("apache/kafka:" + clientVersion, service("kafka-init").get("image"));
        assertEquals(DockerInfrastructure.KAFKA_IMAGE, service("kafka").get("image"));
        assertEquals(DockerInfrastructure.MINIO_IMAGE, service("minio").get("image"));
    }

    @Test
    void singleNodeKafkaHasReplicationFactorOneForInternalTopics() {
        Map<String, Object> env = env("kafka");
        for (String key : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR")) {
            assertEquals("1", String.valueOf(env.get(key)), key);
        }
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES"));
    }

    /** kafka-init creates the topics the services use; deploy-tests compares them with TopicPlan in full. */
    @Test
    void initCreatesTheTopics() {
        @SuppressWarnings("unchecked")
        String script = String.join("\n", (List<String>) service("kafka-init").get("command"));
        Map<String, String> topics = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*create (\\S+) (\\d+)((?: \\S+)*)\\s*$").matcher(script);
        while (m.find()) {
            topics.put(m.group(1), (m.group(2) + m.group(3)).trim());
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ncsn.generation-requests", "12");
        expected.put("ncsn.inpainting-requests", "12");
        expected.put("ncsn.frames", "12 max.message.bytes=8388608");
        expected.put("ncsn.model-updates", "1 cleanup.policy=compact");
        expected.put("ncsn.control", "1 retention.ms=3600000");
        expected.put("ncsn.dead-letter", "1");
        assertEquals(expected, topics);
        assertTrue(script.contains("--if-not-exists"), "idempotent topic creation");
        assertTrue(script.contains("--replication-factor 1"));
    }

    @Test
    void servicesGetTheInfrastructureFromTheEnvironment() {
        for (String name : List.of("trainer-service", "sampler-service", "gateway-service")) {
            Map<String, Object> env = env(name);
            for (String key : List.of(LocalInfrastructure.KAFKA_BOOTSTRAP_SERVERS_ENV,
                    LocalInfrastructure.S3_ENDPOINT_ENV, LocalInfrastructure.S3_ACCESS_KEY_ENV,
                    LocalInfrastructure.S3_SECRET_KEY_ENV, LocalInfrastructure.S3_BUCKET_ENV)) {
                assertTrue(env.containsKey(key), name + " gets " + key);
            }
            assertEquals("kafka:9092", env.get(LocalInfrastructure.KAFKA_BOOTSTRAP_SERVERS_ENV));
            assertEquals("http://minio:9000", env.get(LocalInfrastructure.S3_ENDPOINT_ENV));
            assertNotNull(service(name).get("healthcheck"), name + " has a health check");
            assertNotNull(service(name).get("depends_on"), name + " waits for the init services");
            assertTrue(((Map<?, ?>) service(name).get("depends_on")).containsKey("seed"), name + " waits for the seed step");
        }
        for (String name : List.of("trainer-service", "sampler-service", "gateway-service", "seed")) {
            assertNotNull(service(name).get("build"), name + " is built from its Dockerfile");
        }
    }

    /**
     * The compose file against each service's own application.properties: every topic a service is configured
     * with is created by kafka-init, the port it listens on in the container is the one published and
     * health-checked, and a service that binds to localhost by default is told to listen on all interfaces.
     */
    @Test
    void servicesConfigurationAgreesWithTheComposeFile() throws Exception {
        @SuppressWarnings("unchecked")
        String script = String.join("\n", (List<String>) service("kafka-init").get("command"));
        for (String name : List.of("trainer-service", "sampler-service", "gateway-service")) {
            Path file = Paths.get("..", name, "src", "main", "resources", "application.properties");
            java.util.Properties props = new java.util.Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(in);
            }
            for (String key : props.stringPropertyNames()) {
                if (key.matches("ncsn\\.[a-z-]+\\.topics\\.[a-z-]+") && props.getProperty(key).startsWith("ncsn.")) {
                    String topic = props.getProperty(key);
                    assertTrue(Pattern.compile("(?m)^\\s*create " + Pattern.quote(topic) + " ").matcher(script).find(),
                            name + " uses topic " + topic + " (" + key + "), which kafka-init must create");
                }
            }
            Map<String, Object> env = env(name);
            String port = env.containsKey("QUARKUS_HTTP_PORT") ? String.valueOf(env.get("QUARKUS_HTTP_PORT"))
                    : props.getProperty("quarkus.http.port", "8080");
            List<String> published = name.equals("gateway-service") ? ports(service(name))
                    : ports(portsOverride(name));
            assertTrue(published.stream().anyMatch(p -> p.endsWith(":" + port + ":" + port)), name + " publishes its "
                    + "port " + port + (name.equals("gateway-service") ? "" : " in docker-compose.ports.yml"));
            assertTrue(String.valueOf(((Map<?, ?>) service(name).get("healthcheck")).get("test"))
                    .contains("127.0.0.1/" + port), name + " is health-checked on port " + port);
            assertEquals("127.0.0.1", props.getProperty("quarkus.http.host"),
                    name + " binds to localhost unless told otherwise (a bare `java -jar` is not reachable from outside)");
            assertEquals("0.0.0.0", String.valueOf(env.get("QUARKUS_HTTP_HOST")),
                    name + " binds to localhost by default; in a container it must listen on all interfaces");
        }
    }

    /**
     * Only the gateway is published: Kafka, MinIO, the trainer and the sampler stay on the compose network, so
     * nothing outside it starts training runs, reads the store or writes to the topics.
     */
    @Test
    void onlyTheGatewayIsPublishedOnLocalhostUnlessAsked() {
        for (String name : services.keySet()) {
            if (!name.equals("gateway-service")) {
                assertEquals(List.of(), ports(service(name)), name + " must not publish a port: it is reachable "
                        + "on the compose network only (docker-compose.ports.yml publishes it for operators)");
            }
        }
        assertEquals(List.of("${NCSN_BIND:-127.0.0.1}:8080:8080"), ports(service("gateway-service")));
    }

    /**
     * The opt-in docker-compose.ports.yml publishes the internals for an operator on this machine: only services of
     * docker-compose.yml, only on 127.0.0.1 (whatever NCSN_BIND says), and never the gateway again.
     */
    @Test
    @SuppressWarnings("unchecked")
    void thePortsOverridePublishesTheInternalsOnLocalhostOnly() throws Exception {
        Map<String, Object> override = (Map<String, Object>) portsFile().get("services");
        assertEquals(List.of("kafka", "minio", "trainer-service", "sampler-service"), List.copyOf(override.keySet()));
        for (Map.Entry<String, Object> e : override.entrySet()) {
            assertTrue(services.containsKey(e.getKey()), e.getKey() + " is a service of docker-compose.yml");
            Map<String, Object> s = (Map<String, Object>) e.getValue();
            assertEquals(List.of("ports"), List.copyOf(s.keySet()), e.getKey() + ": the override only publishes");
            for (String port : ports(s)) {
                assertTrue(port.startsWith("127.0.0.1:"), e.getKey() + " publishes " + port + " beyond localhost");
            }
        }
        assertEquals(List.of("127.0.0.1:9094:9094"), ports(portsOverride("kafka")));
        assertTrue(String.valueOf(env("kafka").get("KAFKA_ADVERTISED_LISTENERS")).contains("EXTERNAL://localhost:9094"),
                "the published listener advertises the address the host reaches");
        assertEquals(List.of("127.0.0.1:9000:9000", "127.0.0.1:9001:9001"), ports(portsOverride("minio")));
    }

    @Test
    void dataLivesInVolumesAndInfrastructureHasHealthChecks() {
        @SuppressWarnings("unchecked")
        Map<String, Object> volumes = (Map<String, Object>) compose.get("volumes");
        assertTrue(volumes.containsKey("kafka-data"));
        assertTrue(volumes.containsKey("minio-data"));
        assertTrue(String.valueOf(service("kafka").get("volumes")).contains("kafka-data:/var/lib/kafka/data"));
        assertTrue(String.valueOf(service("minio").get("volumes")).contains("minio-data:/data"));
        assertNotNull(service("kafka").get("healthcheck"));
        assertNotNull(service("minio").get("healthcheck"));
        assertEquals("no", service("kafka-init").get("restart"));
    }

    private static Map<String, Object> portsFile;

    /** docker-compose.ports.yml, the opt-in override that publishes the internals. */
    private static Map<String, Object> portsFile() throws Exception {
        if (portsFile == null) {
            try (Reader in = Files.newBufferedReader(Paths.get("..", "docker-compose.ports.yml"), StandardCharsets.UTF_8)) {
                portsFile = new Yaml().load(in);
            }
        }
        return portsFile;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> portsOverride(String name) {
        try {
            Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) portsFile().get("services")).get(name);
            assertNotNull(s, "docker-compose.ports.yml publishes " + name);
            return s;
        } catch (Exception e) {
            throw new AssertionError("docker-compose.ports.yml: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> ports(Map<String, Object> service) {
        Object ports = service.get("ports");
        return ports == null ? List.of() : ((List<Object>) ports).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        Map<String, Object> s = (Map<String, Object>) services.get(name);
        assertNotNull(s, "service " + name);
        return s;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> env(String name) {
        Map<String, Object> env = (Map<String, Object>) service(name).get("environment");
        assertNotNull(env, name + " environment");
        return env;
    }
}
