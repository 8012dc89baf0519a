package dev.ncsn.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses rendered manifests into the real API types: fabric8's Kubernetes model 8.0.0 (Jackson 3) for the core
 * kinds, Strimzi's own {@code io.strimzi:api} 0.45.0 (Jackson 2) for its kinds. Both models keep a field they do
 * not know in an {@code additionalProperties} map instead of failing, so after parsing every object reached from
 * the resource is walked and any such field is reported with its path: a misspelt or misplaced field, which the
 * API server would drop or refuse, fails the test.
 */
final class ApiTypes {

    /** apiVersion/kind → the fabric8 class. Only kinds k8s/ uses: a new kind must be added here on purpose. */
    static final Map<String, Class<?>> CORE = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class));

    static final Map<String, Class<?>> STRIMZI = Map.of(
            "kafka.strimzi.io/v1beta2/Kafka", Kafka.class,
            "kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class,
            "kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class);

    static final String SCALED_OBJECT = "keda.sh/v1alpha1/ScaledObject";

    private static final JsonMapper JACKSON3 = JsonMapper.builder().build();
    private static final com.fasterxml.jackson.databind.ObjectMapper JACKSON2 =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private ApiTypes() {
    }

    static String typeOf(JsonNode resource) {
        return resource.path("apiVersion").asString() + "/" + resource.path("kind").asString();
    }

    /** The resource as its typed object; throws when the kind is not a known one. */
    static Object parse(JsonNode resource) throws Exception {
        String type = typeOf(resource);
        if (CORE.containsKey(type)) {
            return JACKSON3.treeToValue(resource, CORE.get(type));
        }
        if (STRIMZI.containsKey(type)) {
            return JACKSON2.readValue(JACKSON3.writeValueAsString(resource), STRIMZI.get(type));
        }
        throw new IllegalArgumentException("no API type for " + type);
    }

    /** Paths of the fields the typed object did not know, e.g. {@code spec.template.spec.containers[0].imagePullPolcy}. */
    static List<String> unknownFields(Object typed) {
        List<String> found = new ArrayList<>();
        walk(typed, "", found, new IdentityHashMap<>());
        return found;
    }

    private static void walk(Object o, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "[" + k + "]", found, seen));
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.") && !pkg.startsWith("io.strimzi.")) {
            return; // strings, numbers, enums of the JDK
        }
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
                    continue;
                }
                Object value;
                try {
                    f.setAccessible(true);
                    value = f.get(o);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    continue;
                }
                if (f.getName().equals("additionalProperties") && value instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(k -> found.add((path.isEmpty() ? "" : path + ".") + k));
                } else if (!(value instanceof Enum<?>)) {
                    walk(value, (path.isEmpty() ? "" : path + ".") + f.getName(), found, seen);
                }
            }
        }
    }
}
