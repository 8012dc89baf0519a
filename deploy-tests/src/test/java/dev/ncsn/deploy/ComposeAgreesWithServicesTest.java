package dev.ncsn.deploy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml against the Dockerfiles, the services' configuration and k8s/: it builds the same images,
 * seeds the model before the sampler starts, publishes only the gateway (on localhost unless told otherwise; the
 * opt-in docker-compose.ports.yml publishes the rest on localhost only), and sets only environment variables the
 * services read.
 */
class ComposeAgreesWithServicesTest {

    @Test
    void theServicesAreBuiltFromTheirDockerfilesAndReadTheirEnvironment() {
        List<String> problems = new java.util.ArrayList<>();
        for (String service : KubernetesAgreesWithServicesTest.SERVICES) {
            JsonNode s = Compose.service(service);
            assertEquals(".", s.path("build").path("context").asString(), service + " builds from the repository root");
            assertEquals(service + "/Dockerfile", s.path("build").path("dockerfile").asString(), service);
            assertEquals("ncsn/" + service + ":0.1.0", s.path("image").asString(), service);
            assertTrue(Dockerfiles.parse(service + "/Dockerfile").buildCommand().contains("-t " + s.path("image").asString() + " "));
            ConfigKeys keys = ConfigKeys.of(service);
            s.path("environment").propertyNames().forEach(name -> {
                if (!name.startsWith("QUARKUS_") && !keys.readsEnv(name)) {
                    problems.add(service + ": " + name + " maps to no configuration key of the service");
                }
            });
            assertTrue(s.path("depends_on").has("seed"), service + " starts after the seed step");
        }
        assertEquals(List.of(), problems);
        Map<String, String> env = env(Compose.service("sampler-service"));
        assertEquals(String.valueOf(dev.ncsn.model.contract.TopicPlan.DEFAULT_REQUEST_PARTITIONS),
                env.get("NCSN_SAMPLER_TOPICS_REQUEST_PARTITIONS"), "topics the sampler creates follow TopicPlan");
    }

    @Test
    void onlyTheGatewayIsPublishedAndOnLocalhostUnlessAsked() {
        List<String> published = new java.util.ArrayList<>();
        Compose.root().path("services").properties().forEach(e -> {
            List<String> ports = Compose.stringList(e.getValue().path("ports"));
            if (!ports.isEmpty()) {
                published.add(e.getKey());
            }
            for (String port : ports) {
                assertTrue(port.startsWith("${NCSN_BIND:-127.0.0.1}:"), e.getKey() + " publishes " + port
                        + " on every interface; bind it to ${NCSN_BIND:-127.0.0.1}");
            }
        });
        assertEquals(List.of("gateway-service"), published, "only the gateway is published; Kafka, MinIO, the "
                + "trainer and the sampler stay on the compose network (docker-compose.ports.yml is the opt-in)");
        String gatewayPort = env(Compose.service("gateway-service")).get("QUARKUS_HTTP_PORT");
        assertEquals(List.of("${NCSN_BIND:-127.0.0.1}:" + gatewayPort + ":" + gatewayPort),
                Compose.stringList(Compose.service("gateway-service").path("ports")));
    }

    /** The opt-in override publishes the internals on 127.0.0.1 only, on the ports the services listen on. */
    @Test
    void thePortsOverridePublishesTheInternalsOnLocalhostOnly() {
        List<String> names = new java.util.ArrayList<>();
        Compose.portsOverride().path("services").properties().forEach(e -> {
            names.add(e.getKey());
            Compose.service(e.getKey()); // a service of docker-compose.yml
            for (String port : Compose.stringList(e.getValue().path("ports"))) {
                assertTrue(port.startsWith("127.0.0.1:"), e.getKey() + " publishes " + port + " beyond localhost");
            }
        });
        assertFalse(names.contains("gateway-service"), "the gateway is published by docker-compose.yml itself");
        for (String service : List.of("trainer-service", "sampler-service")) {
            String port = env(Compose.service(service)).get("QUARKUS_HTTP_PORT");
            assertEquals(List.of("127.0.0.1:" + port + ":" + port),
                    Compose.stringList(Compose.portsOverride().path("services").path(service).path("ports")), service);
            assertEquals("0.0.0.0", env(Compose.service(service)).get("QUARKUS_HTTP_HOST"),
                    service + " listens on the container's interfaces, or a published port would not reach it");
        }
    }

    @Test
    void theSeedStepPutsTheShippedModelInBeforeTheSamplerStarts() {
        JsonNode seed = Compose.service("seed");
        assertEquals("ncsn-cli/Dockerfile", seed.path("build").path("dockerfile").asString());
        List<String> command = Compose.stringList(seed.path("command"));
        assertEquals("seed", command.get(0));
        String dir = command.get(command.indexOf("--model-dir") + 1);
        assertTrue(Dockerfiles.parse("ncsn-cli/Dockerfile").copies().stream().anyMatch(c ->
                c.source().equals("models/fashion-mnist/") && c.destination().equals(dir + "/")), "the image holds " + dir);
        assertEquals("no", seed.path("restart").asString());
        assertEquals("service_completed_successfully",
                Compose.service("sampler-service").path("depends_on").path("seed").path("condition").asString());
        Map<String, String> seedEnv = env(seed);
        Map<String, String> samplerEnv = env(Compose.service("sampler-service"));
        for (String key : List.of("NCSN_S3_ENDPOINT", "NCSN_S3_ACCESS_KEY", "NCSN_S3_SECRET_KEY", "NCSN_S3_BUCKET")) {
            assertEquals(samplerEnv.get(key), seedEnv.get(key), "the seed writes to the store the sampler reads: " + key);
        }
    }

    @Test
    void composeAndKubernetesRunTheServicesOnTheSamePorts() {
        Rendered r = Rendered.overlay("cpu");
        for (String service : KubernetesAgreesWithServicesTest.SERVICES) {
            String compose = env(Compose.service(service)).get("QUARKUS_HTTP_PORT");
            String k8s = r.env(Rendered.container(r.get("Deployment", service))).get("QUARKUS_HTTP_PORT");
            assertFalse(compose == null || k8s == null, service);
            assertEquals(compose, k8s, service);
            assertEquals(compose, Dockerfiles.parse(service + "/Dockerfile").env().get("QUARKUS_HTTP_PORT"), service);
        }
    }

    private static Map<String, String> env(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        service.path("environment").properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
        return env;
    }
}
