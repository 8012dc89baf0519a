package dev.ncsn.deploy;

import dev.ncsn.model.contract.TopicPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Strimzi's KafkaTopics and compose's kafka-init create exactly the topics TopicPlan.standard() plans: names,
 * partitions, topic configs. The services are configured with those names, and Kafka is where the settings say.
 */
class TopicsAgreeWithTopicPlanTest {

    /** name → "partitions {sorted configs}", the form both sides are compared in. */
    static Map<String, String> planned() {
        Map<String, String> m = new LinkedHashMap<>();
        for (TopicPlan.Topic t : TopicPlan.standard().topics()) {
            m.put(t.name(), t.partitions() + " " + new TreeMap<>(t.configs()));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void kafkaTopicsAreTheTopicPlan(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        Map<String, String> topics = new LinkedHashMap<>();
        String cluster = r.ofKind("Kafka").get(0).path("metadata").path("name").asString();
        for (ObjectNode t : r.ofKind("KafkaTopic")) {
            JsonNode spec = t.get("spec");
            Map<String, String> configs = new TreeMap<>();
            spec.path("config").properties().forEach(e -> configs.put(e.getKey(), e.getValue().asString()));
            topics.put(spec.path("topicName").asString(t.path("metadata").path("name").asString()),
                    spec.path("partitions").asInt() + " " + configs);
            assertEquals(cluster, t.path("metadata").path("labels").path("strimzi.io/cluster").asString(),
                    overlay + ": KafkaTopic " + t.path("metadata").path("name").asString() + " belongs to the Kafka");
            int nodes = r.ofKind("KafkaNodePool").stream().mapToInt(p -> p.path("spec").path("replicas").asInt()).sum();
            assertTrue(spec.path("replicas").asInt() <= nodes, overlay + ": replicas within the broker count");
        }
        assertEquals(planned(), topics, overlay + ": KafkaTopics = TopicPlan.standard()");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theSettingsPointAtStrimzisBootstrapService(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        ObjectNode kafka = r.ofKind("Kafka").get(0);
        JsonNode plain = null;
        for (JsonNode l : kafka.path("spec").path("kafka").path("listeners")) {
            if (!l.path("tls").asBoolean() && l.path("type").asString().equals("internal")) {
                plain = l;
            }
        }
        assertTrue(plain != null, overlay + ": a plain internal listener");
        assertEquals(kafka.path("metadata").path("name").asString() + "-kafka-bootstrap:" + plain.path("port").asInt(),
                r.data("ConfigMap", "ncsn-settings").get("KAFKA_BOOTSTRAP_SERVERS"), overlay);
        long frames = Long.parseLong(TopicPlan.standard().topic(TopicPlan.TopicNames.defaults().frames())
                .configs().get(TopicPlan.MAX_MESSAGE_BYTES_CONFIG));
        assertTrue(kafka.path("spec").path("kafka").path("config").path("replica.fetch.max.bytes").asLong() >= frames,
                overlay + ": replicas fetch frames as large as the frames topic admits");
    }

    @Test
    void theServicesAreConfiguredWithThePlannedTopicNames() {
        for (String service : KubernetesAgreesWithServicesTest.SERVICES) {
            var props = Repo.applicationProperties(service);
            for (String key : props.stringPropertyNames()) {
                if (key.matches("ncsn\\.[a-z-]+\\.topics\\.[a-z-]+") && props.getProperty(key).startsWith("ncsn.")) {
                    assertTrue(planned().containsKey(props.getProperty(key)),
                            service + " uses topic " + props.getProperty(key) + " (" + key + "), which TopicPlan must plan");
                }
            }
        }
    }

    @Test
    void composeKafkaInitCreatesTheTopicPlan() {
        String script = String.join("\n", Compose.stringList(Compose.service("kafka-init").get("command")));
        Map<String, String> topics = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*create (\\S+) (\\d+)((?: \\S+=\\S+)*)\\s*$").matcher(script);
        while (m.find()) {
            Map<String, String> configs = new TreeMap<>();
            for (String kv : m.group(3).trim().split(" ")) {
                if (!kv.isEmpty()) {
                    configs.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            topics.put(m.group(1), m.group(2) + " " + configs);
        }
        assertEquals(planned(), topics, "kafka-init = TopicPlan.standard()");
        assertTrue(script.contains("--if-not-exists"));
        assertTrue(script.contains("--config \"$$c\""), "every KEY=VALUE becomes a --config");
    }

    @Test
    void theKafkaTopicsFileNamesEveryTopicOnce() {
        List<ObjectNode> topics = Kustomize.readAll(Repo.path("k8s/kafka/topics.yaml"));
        assertEquals(TopicPlan.standard().topics().size(), topics.size());
    }
}
