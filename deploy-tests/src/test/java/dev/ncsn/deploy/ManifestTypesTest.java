package dev.ncsn.deploy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every manifest of every overlay, rendered as kustomize would, parses into its real API type with no field the
 * type does not know: fabric8's model for the core kinds, Strimzi's API for Kafka, KafkaNodePool and KafkaTopic,
 * KEDA's published CRD schema for the ScaledObject.
 */
class ManifestTypesTest {

    /** KEDA's kafka scaler's trigger metadata keys (kedacore/keda v2.20.2, pkg/scalers/kafka_scaler.go, keda:"name=…"). */
    static final Set<String> KAFKA_SCALER_KEYS = Set.of("bootstrapServers", "bootstrapServersFromEnv", "consumerGroup",
            "consumerGroupFromEnv", "topic", "topicFromEnv", "partitionLimitation", "lagThreshold",
            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
            "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "version",
            "tls", "unsafeSsl", "sasl", "saslTokenProvider");

    static List<String> overlays() {
        return Rendered.OVERLAYS;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyResourceParsesIntoItsApiTypeWithNoUnknownField(String overlay) throws Exception {
        Rendered r = Rendered.overlay(overlay);
        assertFalse(r.resources().isEmpty());
        StructuralSchema keda = StructuralSchema.ofCrd(
                Kustomize.readAll(java.nio.file.Path.of(getClass().getResource("/keda/keda.sh_scaledobjects.yaml").toURI())).get(0),
                "v1alpha1");
        List<String> problems = new ArrayList<>();
        for (ObjectNode resource : r.resources()) {
            String id = ApiTypes.typeOf(resource) + " " + resource.path("metadata").path("name").asString();
            if (ApiTypes.typeOf(resource).equals(ApiTypes.SCALED_OBJECT)) {
                keda.validate(resource).forEach(p -> problems.add(id + ": " + p));
                Object meta = JsonMapper.builder().build().treeToValue(resource.get("metadata"), ObjectMeta.class);
                ApiTypes.unknownFields(meta).forEach(p -> problems.add(id + ": metadata." + p + ": unknown field"));
                for (JsonNode t : resource.path("spec").path("triggers")) {
                    t.path("metadata").propertyNames().forEach(k -> {
                        if (t.path("type").asString().equals("kafka") && !KAFKA_SCALER_KEYS.contains(k)) {
                            problems.add(id + ": trigger " + t.path("name").asString() + ": KEDA's kafka scaler has no " + k);
                        }
                    });
                }
                continue;
            }
            Object typed;
            try {
                typed = ApiTypes.parse(resource);
            } catch (Exception e) {
                fail(overlay + ": " + id + " does not parse: " + e.getMessage(), e);
                return;
            }
            ApiTypes.unknownFields(typed).forEach(p -> problems.add(id + ": " + p + ": unknown field"));
        }
        assertEquals(List.of(), problems, overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everythingLivesInTheNcsnNamespace(String overlay) {
        for (ObjectNode resource : Rendered.overlay(overlay).resources()) {
            if (!resource.path("kind").asString().equals("Namespace")) {
                assertEquals("ncsn", resource.path("metadata").path("namespace").asString(),
                        overlay + ": " + resource.path("kind").asString() + " " + resource.path("metadata").path("name").asString());
            }
        }
    }

    /** The checker itself: a misspelt field is found by each of the three routes. */
    @org.junit.jupiter.api.Test
    void aMisspeltFieldIsFound() throws Exception {
        Rendered r = Rendered.overlay("gpu");
        ObjectNode deployment = r.get("Deployment", "sampler-service").deepCopy();
        ((ObjectNode) Rendered.container(deployment)).put("imagePullPolcy", "Always");
        assertEquals(List.of("spec.template.spec.containers[0].imagePullPolcy"),
                ApiTypes.unknownFields(ApiTypes.parse(deployment)));

        ObjectNode topic = r.ofKind("KafkaTopic").get(0).deepCopy();
        ((ObjectNode) topic.get("spec")).put("partition", 3);
        assertEquals(List.of("spec.partition"), ApiTypes.unknownFields(ApiTypes.parse(topic)));

        ObjectNode so = r.get("ScaledObject", "sampler-service").deepCopy();
        ((ObjectNode) so.get("spec")).put("maxReplicas", 3);
        ((ObjectNode) so.get("spec").get("triggers").get(0).get("metadata")).put("lagThreshold", 4);
        StructuralSchema keda = StructuralSchema.ofCrd(
                Kustomize.readAll(java.nio.file.Path.of(getClass().getResource("/keda/keda.sh_scaledobjects.yaml").toURI())).get(0),
                "v1alpha1");
        List<String> problems = keda.validate(so);
        assertTrue(problems.contains("spec.maxReplicas: unknown field"), problems.toString());
        assertTrue(problems.contains("spec.triggers[0].metadata.lagThreshold: must be a string, got 4"), problems.toString());
    }
}
