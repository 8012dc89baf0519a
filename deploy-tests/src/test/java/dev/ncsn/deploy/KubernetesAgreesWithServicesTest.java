package dev.ncsn.deploy;

import dev.ncsn.model.contract.TopicPlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * k8s/ against the services' own configuration (application.properties, the {@code @ConfigMapping} defaults) and
 * TopicPlan, for every overlay: what a cluster cannot tell us until it runs.
 */
class KubernetesAgreesWithServicesTest {

    static final List<String> SERVICES = List.of("gateway-service", "sampler-service", "trainer-service");
    static final Set<String> INFRA_ENV = Set.of("KAFKA_BOOTSTRAP_SERVERS", "NCSN_S3_ENDPOINT", "NCSN_S3_ACCESS_KEY",
            "NCSN_S3_SECRET_KEY", "NCSN_S3_BUCKET");
    /** Read by the JVM, PyTorch, DJL or the images' entry point rather than by MicroProfile Config. */
    static final Set<String> PROCESS_ENV = Set.of("JAVA_OPTS", "OMP_WAIT_POLICY", "PYTORCH_LIBRARY_PATH",
            "PYTORCH_VERSION", "PYTORCH_FLAVOR", "HOME");
    /** Time a stopping sampler needs beyond its hand-over grace: commit, leave the group, close models, JVM exit. */
    static final long STOP_MARGIN_SECONDS = 15;

    static List<String> overlays() {
        return Rendered.OVERLAYS;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyEnvironmentVariableIsOneTheServiceReads(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            ConfigKeys keys = ConfigKeys.of(service);
            JsonNode container = Rendered.container(r.get("Deployment", service));
            Map<String, String> env = r.env(container);
            Set<String> names = new java.util.LinkedHashSet<>(env.keySet());
            container.path("env").forEach(e -> names.add(e.get("name").asString())); // optional refs too
            for (String name : names) {
                boolean quarkus = name.startsWith("QUARKUS_");
                if (!quarkus && !PROCESS_ENV.contains(name) && !keys.readsEnv(name)) {
                    problems.add(service + ": " + name + " maps to no configuration key of the service");
                }
            }
            for (String name : INFRA_ENV) {
                assertTrue(env.containsKey(name), overlay + ": " + service + " gets " + name);
            }
        }
        assertEquals(List.of(), problems, overlay);
        Set<Map<String, String>> infra = SERVICES.stream().map(s -> {
            Map<String, String> env = r.env(Rendered.container(r.get("Deployment", s)));
            return INFRA_ENV.stream().collect(Collectors.toMap(k -> k, env::get, (a, b) -> a, TreeMap::new));
        }).collect(Collectors.toSet());
        assertEquals(1, infra.size(), overlay + ": every service uses the same Kafka and store: " + infra);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void portsProbesAndServicesAgreeWithTheServicesHttpConfiguration(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (String service : SERVICES) {
            ConfigKeys keys = ConfigKeys.of(service);
            ObjectNode deployment = r.get("Deployment", service);
            JsonNode c = Rendered.container(deployment);
            Map<String, String> env = r.env(c);
            String port = keys.value("quarkus.http.port", env).orElse("8080");
            JsonNode http = null;
            for (JsonNode p : c.path("ports")) {
                if (p.path("name").asString().equals("http")) {
                    http = p;
                }
            }
            assertNotNull(http, overlay + ": " + service + " names its port http");
            assertEquals(port, http.get("containerPort").asString(), overlay + ": " + service + " listens on " + port);
            String host = keys.value("quarkus.http.host", env).orElse("0.0.0.0");
            assertEquals("0.0.0.0", host, overlay + ": " + service + " must listen on all interfaces in a pod");

            Map<String, String> probes = new LinkedHashMap<>();
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                JsonNode get = c.path(probe).path("httpGet");
                assertTrue(get.isObject(), overlay + ": " + service + " has an HTTP " + probe);
                JsonNode probePort = get.get("port");
                assertTrue(probePort.asString().equals("http") || probePort.asString().equals(port),
                        overlay + ": " + service + " " + probe + " probes the service's port");
                probes.put(probe, get.get("path").asString());
            }
            // SmallRye Health's endpoints (every service has quarkus-smallrye-health): readiness is what tells a
            // serving instance (the sampler: model loaded and in the group), liveness what a restart would cure.
            assertTrue(Repo.read(service + "/pom.xml").contains("<artifactId>quarkus-smallrye-health</artifactId>"),
                    service + " has SmallRye Health");
            assertEquals("/q/health/ready", probes.get("readinessProbe"), overlay + ": " + service);
            assertEquals("/q/health/live", probes.get("livenessProbe"), overlay + ": " + service);
            assertTrue(Set.of("/q/health/live", "/q/health/started").contains(probes.get("startupProbe")),
                    overlay + ": " + service + " startup probe must not wait for readiness (the model may be missing)");

            ObjectNode svc = r.get("Service", service);
            assertEquals(deployment.path("spec").path("template").path("metadata").path("labels")
                            .path("app.kubernetes.io/name").asString(),
                    svc.path("spec").path("selector").path("app.kubernetes.io/name").asString(),
                    overlay + ": Service " + service + " selects its pods");
            assertEquals("http", svc.path("spec").path("ports").path(0).path("targetPort").asString());
            assertEquals(port, svc.path("spec").path("ports").path(0).path("port").asString(),
                    overlay + ": Service " + service + " port");
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theScaledObjectScalesTheSamplerOnItsOwnGroupAndTopics(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        ConfigKeys sampler = ConfigKeys.of("sampler-service");
        ConfigKeys gateway = ConfigKeys.of("gateway-service");
        ObjectNode deployment = r.get("Deployment", "sampler-service");
        Map<String, String> env = r.env(Rendered.container(deployment));
        assertEquals(1, r.ofKind("ScaledObject").size(), overlay);
        JsonNode so = r.ofKind("ScaledObject").get(0).get("spec");

        JsonNode target = so.get("scaleTargetRef");
        assertEquals("apps/v1", target.path("apiVersion").asString());
        assertEquals("Deployment", target.path("kind").asString());
        assertEquals("sampler-service", target.path("name").asString(), overlay + ": the ScaledObject scales the sampler");
        assertTrue(Rendered.container(r.get("Deployment", target.get("name").asString())).path("image").asString()
                .startsWith("ncsn/sampler-service"), overlay + ": the target runs the sampler image");

        String group = sampler.value("ncsn.sampler.group-id", env).orElseThrow();
        assertEquals(gateway.value("ncsn.gateway.sampler-group-id").orElseThrow(), group,
                "the gateway's backlog is the sampler group's lag");
        int maxInFlight = Integer.parseInt(sampler.value("ncsn.sampler.max-in-flight-jobs", env).orElseThrow());
        Set<String> requestTopics = Set.of(sampler.value("ncsn.sampler.topics.generation-requests", env).orElseThrow(),
                sampler.value("ncsn.sampler.topics.inpainting-requests", env).orElseThrow());
        Set<String> triggered = new java.util.HashSet<>();
        for (JsonNode t : so.get("triggers")) {
            JsonNode m = t.get("metadata");
            assertEquals("kafka", t.get("type").asString());
            assertEquals(group, m.path("consumerGroup").asString(), overlay + ": trigger " + t.path("name").asString());
            triggered.add(m.path("topic").asString());
            assertEquals(maxInFlight, Integer.parseInt(m.path("lagThreshold").asString()), overlay
                    + ": lagThreshold is the jobs one worker runs at once (ncsn.sampler.max-in-flight-jobs)");
            // RequestConsumer reads a partition without a commit from its start; KEDA must count that lag too.
            assertTrue(Repo.read("sampler-service/src/main/java/dev/ncsn/sampler/kafka/RequestConsumer.java")
                    .contains("AUTO_OFFSET_RESET_CONFIG, \"earliest\""));
            assertEquals("earliest", m.path("offsetResetPolicy").asString(), overlay);
            if (m.has("bootstrapServersFromEnv")) {
                assertTrue(env.containsKey(m.get("bootstrapServersFromEnv").asString()),
                        overlay + ": the sampler container has " + m.get("bootstrapServersFromEnv").asString());
            } else {
                assertEquals(env.get("KAFKA_BOOTSTRAP_SERVERS"), m.path("bootstrapServers").asString(), overlay);
            }
        }
        assertEquals(requestTopics, triggered, overlay + ": one trigger per request topic");

        int partitions = TopicPlan.DEFAULT_REQUEST_PARTITIONS;
        assertEquals(String.valueOf(partitions), env.get("NCSN_SAMPLER_TOPICS_REQUEST_PARTITIONS"),
                overlay + ": topics the sampler creates get TopicPlan's request partitions");
        for (ObjectNode topic : r.ofKind("KafkaTopic")) {
            if (requestTopics.contains(topic.path("spec").path("topicName").asString())) {
                partitions = Math.min(partitions, topic.path("spec").path("partitions").asInt());
            }
        }
        int max = so.get("maxReplicaCount").asInt();
        assertTrue(max >= 1 && max <= partitions, overlay + ": maxReplicaCount " + max
                + " must not exceed the request topics' " + partitions + " partitions (a worker beyond them holds none)");
        assertTrue(so.path("minReplicaCount").asInt(0) <= max);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void aStoppingWorkerHasTimeToHandItsJobsOver(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (String service : List.of("sampler-service", "trainer-service")) {
            ConfigKeys keys = ConfigKeys.of(service);
            String prefix = service.equals("sampler-service") ? "ncsn.sampler" : "ncsn.trainer";
            ObjectNode deployment = r.get("Deployment", service);
            JsonNode c = Rendered.container(deployment);
            Map<String, String> env = r.env(c);
            // Every grace or hand-over period the service declares runs one after another in the worst case.
            long grace = 0;
            List<String> periods = new ArrayList<>();
            for (String key : List.of(prefix + ".shutdown-grace", prefix + ".handover-grace", prefix + ".snapshot-grace")) {
                if (keys.declares(key)) {
                    long s = Rendered.seconds(keys.value(key, env).orElseThrow());
                    grace += s;
                    periods.add(key + "=" + s + "s");
                }
            }
            assertFalse(periods.isEmpty(), service + " declares its shutdown grace");
            long preStop = 0;
            JsonNode pre = c.path("lifecycle").path("preStop");
            if (pre.path("exec").path("command").path(0).asString().equals("sleep")) {
                preStop = pre.path("exec").path("command").path(1).asLong();
            } else if (pre.has("sleep")) {
                preStop = pre.path("sleep").path("seconds").asLong();
            }
            long termination = deployment.path("spec").path("template").path("spec")
                    .path("terminationGracePeriodSeconds").asLong(30);
            assertTrue(termination >= preStop + grace + STOP_MARGIN_SECONDS, overlay + ": " + service
                    + " terminationGracePeriodSeconds " + termination + " must cover preStop " + preStop + " s + "
                    + periods + " + " + STOP_MARGIN_SECONDS + " s to commit, leave the group and stop");
        }
        assertTrue(Rendered.container(r.get("Deployment", "sampler-service")).path("lifecycle").path("preStop").isObject(),
                overlay + ": the sampler has a preStop hook");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void thePoolIsDisruptedOneWorkerAtATime(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        ObjectNode pdb = r.get("PodDisruptionBudget", "sampler-service");
        JsonNode labels = r.get("Deployment", "sampler-service").path("spec").path("template").path("metadata").path("labels");
        pdb.path("spec").path("selector").path("matchLabels").properties().forEach(e ->
                assertEquals(e.getValue(), labels.get(e.getKey()), overlay + ": the PDB selects the sampler pods"));
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt(), overlay);
        JsonNode rolling = r.get("Deployment", "sampler-service").path("spec").path("strategy").path("rollingUpdate");
        assertEquals(0, rolling.path("maxUnavailable").asInt(-1), overlay + ": a new worker is ready before an old one hands over");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainerIsOneReplicaWithItsWorkDirectoryOnAVolumeAndInternal(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        ObjectNode trainer = r.get("Deployment", "trainer-service");
        assertEquals(1, trainer.path("spec").path("replicas").asInt());
        assertEquals("Recreate", trainer.path("spec").path("strategy").path("type").asString());
        JsonNode c = Rendered.container(trainer);
        String workDir = r.env(c).get("NCSN_TRAINER_WORK_DIR");
        assertTrue(ConfigKeys.of("trainer-service").declares("ncsn.trainer.work-dir"));
        assertNotNull(workDir, overlay + ": the trainer's work directory is set");
        String volume = null;
        for (JsonNode m : c.path("volumeMounts")) {
            if (m.get("mountPath").asString().equals(workDir)) {
                volume = m.get("name").asString();
            }
        }
        assertNotNull(volume, overlay + ": the work directory is a mounted volume");
        String claim = null;
        for (JsonNode v : trainer.path("spec").path("template").path("spec").path("volumes")) {
            if (v.get("name").asString().equals(volume)) {
                claim = v.path("persistentVolumeClaim").path("claimName").asString(null);
            }
        }
        assertNotNull(claim, overlay + ": the work directory is a persistent volume");
        r.get("PersistentVolumeClaim", claim);
        assertEquals("ClusterIP", r.get("Service", "trainer-service").path("spec").path("type").asString("ClusterIP"));
        for (ObjectNode ingress : r.ofKind("Ingress")) {
            assertFalse(ingress.toString().contains("trainer-service"), overlay + ": no Ingress reaches the trainer");
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheGatewayIsReachedFromOutsideTheNamespace(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        boolean defaultDeny = false;
        for (ObjectNode np : r.ofKind("NetworkPolicy")) {
            JsonNode spec = np.get("spec");
            boolean selectsAll = spec.path("podSelector").isEmpty();
            if (selectsAll && spec.path("policyTypes").toString().contains("Ingress") && spec.path("ingress").isEmpty()) {
                defaultDeny = true;
            }
            for (JsonNode rule : spec.path("ingress")) {
                boolean fromOutside = !rule.has("from") || rule.get("from").isEmpty();
                for (JsonNode peer : rule.path("from")) {
                    fromOutside |= peer.has("namespaceSelector") || peer.has("ipBlock");
                }
                if (fromOutside) {
                    assertEquals("gateway-service", spec.path("podSelector").path("matchLabels")
                                    .path("app.kubernetes.io/name").asString(),
                            overlay + ": NetworkPolicy " + np.path("metadata").path("name").asString()
                                    + " admits traffic from outside the namespace to pods other than the gateway");
                }
            }
        }
        assertTrue(defaultDeny, overlay + ": a default-deny ingress policy covers every pod");
        assertEquals(1, r.ofKind("Ingress").size());
        JsonNode backend = r.ofKind("Ingress").get(0).path("spec").path("rules").path(0).path("http").path("paths")
                .path(0).path("backend").path("service");
        assertEquals("gateway-service", backend.path("name").asString());
        r.get("Service", "gateway-service");
        JsonNode annotations = r.ofKind("Ingress").get(0).path("metadata").path("annotations");
        assertEquals("off", annotations.path("nginx.ingress.kubernetes.io/proxy-buffering").asString(),
                overlay + ": SSE frames must not be buffered by the Ingress");
        long readTimeout = annotations.path("nginx.ingress.kubernetes.io/proxy-read-timeout").asLong();
        long keepAlive = Rendered.seconds(ConfigKeys.of("gateway-service").value("ncsn.gateway.keep-alive").orElseThrow());
        assertTrue(readTimeout > 4 * keepAlive, overlay + ": an SSE stream's keep-alives (every " + keepAlive
                + " s) arrive well within the Ingress read timeout " + readTimeout + " s");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theSeedJobPutsTheShippedModelIn(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        ObjectNode job = r.get("Job", "ncsn-seed");
        JsonNode c = Rendered.container(job);
        assertTrue(c.path("image").asString().startsWith("ncsn/ncsn-cli:"), overlay);
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asString()));
        assertEquals("seed", args.get(0));
        String dir = args.get(args.indexOf("--model-dir") + 1);
        assertTrue(Dockerfiles.parse("ncsn-cli/Dockerfile").copies().stream()
                        .anyMatch(copy -> copy.source().equals("models/fashion-mnist/") && copy.destination().equals(dir + "/")),
                overlay + ": the ncsn-cli image holds the shipped model at " + dir);
        Map<String, String> env = r.env(c);
        for (String key : INFRA_ENV) {
            if (key.startsWith("NCSN_S3_")) {
                assertEquals(r.env(Rendered.container(r.get("Deployment", "sampler-service"))).get(key), env.get(key),
                        overlay + ": the seed writes to the store the sampler reads (" + key + ")");
            }
        }
        assertTrue(job.path("spec").path("ttlSecondsAfterFinished").isNumber(),
                overlay + ": a finished seed Job goes away, so the next apply can create it again");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void gpuWorkersOnlyInTheGpuOverlay(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        JsonNode pod = r.get("Deployment", "sampler-service").path("spec").path("template").path("spec");
        JsonNode c = pod.path("containers").path(0);
        boolean gpu = overlay.equals("gpu");
        assertEquals(gpu, c.path("resources").path("limits").has("nvidia.com/gpu"), overlay);
        assertEquals(gpu, c.path("image").asString().startsWith("ncsn/sampler-service-gpu:"), overlay);
        if (gpu) {
            assertEquals(1, c.path("resources").path("limits").path("nvidia.com/gpu").asInt());
            assertTrue(pod.path("tolerations").toString().contains("nvidia.com/gpu"), "tolerates the GPU nodes' taint");
            assertFalse(pod.path("nodeSelector").isEmpty(), "selects GPU nodes");
            assertEquals("gpu", r.env(c).get("NCSN_SAMPLER_DEVICE"), "fails rather than sampling on a GPU node's CPU");
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void imagesAreTheOnesTheDockerfilesBuild(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        for (ObjectNode workload : r.resources()) {
            for (JsonNode c : Kustomize.containers(workload)) {
                String image = c.path("image").asString();
                if (image.startsWith("ncsn/")) {
                    String name = image.substring("ncsn/".length(), image.indexOf(':'));
                    String dockerfile = name.endsWith("-gpu") ? name.replace("-gpu", "") + "/Dockerfile.gpu" : name + "/Dockerfile";
                    assertTrue(java.nio.file.Files.isRegularFile(Repo.path(dockerfile)), overlay + ": " + image
                            + " is built by " + dockerfile);
                    assertTrue(Dockerfiles.parse(dockerfile).buildCommand().contains("-t " + image + " "),
                            dockerfile + " documents the build of " + image);
                }
            }
        }
    }
}
