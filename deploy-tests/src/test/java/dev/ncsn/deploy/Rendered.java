package dev.ncsn.deploy;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One overlay of k8s/ rendered, with look-ups the checks share. */
record Rendered(String overlay, List<ObjectNode> resources) {

    static final List<String> OVERLAYS = List.of("cpu", "gpu", "external");
    private static final Map<String, Rendered> CACHE = new ConcurrentHashMap<>();

    static Rendered overlay(String name) {
        return CACHE.computeIfAbsent(name, n -> new Rendered(n, Kustomize.build(Repo.path("k8s/overlays/" + n))));
    }

    List<ObjectNode> ofKind(String kind) {
        return resources.stream().filter(r -> r.path("kind").asString().equals(kind)).toList();
    }

    Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(r -> r.path("metadata").path("name").asString().equals(name)).findFirst();
    }

    ObjectNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + ": no " + kind + " " + name));
    }

    /** The first container of a workload. */
    static JsonNode container(JsonNode workload) {
        return workload.path("spec").path("template").path("spec").path("containers").path(0);
    }

    /**
     * The container's environment as the kubelet builds it: envFrom ConfigMaps and Secrets of this render first,
     * then env (literal values; a secretKeyRef/configMapKeyRef resolved when present here).
     */
    Map<String, String> env(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                data("ConfigMap", from.get("configMapRef").get("name").asString()).forEach(env::put);
            }
            if (from.has("secretRef")) {
                data("Secret", from.get("secretRef").get("name").asString()).forEach(env::put);
            }
        }
        for (JsonNode e : container.path("env")) {
            String name = e.get("name").asString();
            if (e.has("value")) {
                env.put(name, e.get("value").asString());
            } else if (e.path("valueFrom").has("secretKeyRef")) {
                JsonNode ref = e.get("valueFrom").get("secretKeyRef");
                String v = data("Secret", ref.get("name").asString()).get(ref.get("key").asString());
                if (v != null) {
                    env.put(name, v);
                }
            } else if (e.path("valueFrom").has("configMapKeyRef")) {
                JsonNode ref = e.get("valueFrom").get("configMapKeyRef");
                String v = data("ConfigMap", ref.get("name").asString()).get(ref.get("key").asString());
                if (v != null) {
                    env.put(name, v);
                }
            }
        }
        return env;
    }

    /** A ConfigMap's data or a Secret's stringData (and base64 data), empty when it is not in this render. */
    Map<String, String> data(String kind, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        find(kind, name).ifPresent(r -> {
            r.path("data").properties().forEach(e -> out.put(e.getKey(), kind.equals("Secret")
                    ? new String(java.util.Base64.getDecoder().decode(e.getValue().asString())) : e.getValue().asString()));
            r.path("stringData").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        });
        return out;
    }

    /** A Quarkus/MicroProfile duration ("60s", "2m", "PT1M", "1h") in seconds. */
    static long seconds(String duration) {
        String d = duration.trim();
        if (d.startsWith("P") || d.startsWith("p")) {
            return Duration.parse(d).toSeconds();
        }
        if (d.matches("\\d+")) {
            return Long.parseLong(d);
        }
        long n = Long.parseLong(d.substring(0, d.length() - (d.endsWith("ms") ? 2 : 1)));
        if (d.endsWith("ms")) {
            return n / 1000;
        }
        return switch (d.charAt(d.length() - 1)) {
            case 's' -> n;
            case 'm' -> n * 60;
            case 'h' -> n * 3600;
            case 'd' -> n * 86400;
            default -> throw new IllegalArgumentException("not a duration: " + duration);
        };
    }
}
