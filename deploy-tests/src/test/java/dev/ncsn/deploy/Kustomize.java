package dev.ncsn.deploy;

import io.fabric8.zjsonpatch.JsonPatch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of kustomize that k8s/ uses, rendered as {@code kubectl kustomize} would: {@code resources} (files and
 * directories holding a kustomization.yaml), {@code namespace}, {@code images} (newName, newTag) and
 * {@code patches} given as JSON 6902 operations with a target (kind, name as an anchored regular expression).
 * A kustomization with any other field is refused, so k8s/ cannot start using a feature these tests would
 * silently ignore. Written here because no kustomize implementation is published for the JVM; the patches are
 * applied by fabric8's zjsonpatch.
 */
final class Kustomize {

    static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "namespace", "images",
            "patches");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole",
            "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass");

    private Kustomize() {
    }

    /** Every resource of the kustomization in {@code dir}, in kustomize's order (resources as listed). */
    static List<ObjectNode> build(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " has no kustomization.yaml");
        }
        JsonNode k = readOne(file);
        k.propertyNames().forEach(field -> {
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(file + ": field " + field + " is not in the kustomize subset "
                        + "these tests render (" + SUPPORTED + ")");
            }
        });
        if (!"Kustomization".equals(k.path("kind").asString())
                || !"kustomize.config.k8s.io/v1beta1".equals(k.path("apiVersion").asString())) {
            throw new IllegalArgumentException(file + " is not a kustomize.config.k8s.io/v1beta1 Kustomization");
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asString()).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(build(p));
            } else if (Files.isRegularFile(p)) {
                out.addAll(readAll(p));
            } else {
                throw new IllegalArgumentException(file + ": resource " + r.asString() + " does not exist");
            }
        }
        for (JsonNode patch : k.path("patches")) {
            applyPatch(file, patch, out);
        }
        for (JsonNode image : k.path("images")) {
            applyImage(image, out);
        }
        if (k.has("namespace")) {
            String ns = k.get("namespace").asString();
            for (ObjectNode r : out) {
                if (!CLUSTER_SCOPED.contains(r.path("kind").asString())) {
                    ((ObjectNode) r.get("metadata")).put("namespace", ns);
                }
            }
        }
        Set<String> ids = new HashSet<>();
        for (ObjectNode r : out) {
            String id = r.path("apiVersion").asString() + "/" + r.path("kind").asString() + "/"
                    + r.path("metadata").path("namespace").asString("") + "/" + r.path("metadata").path("name").asString();
            if (!ids.add(id)) {
                throw new IllegalArgumentException(file + ": resource " + id + " appears twice");
            }
        }
        return out;
    }

    private static void applyPatch(Path file, JsonNode patch, List<ObjectNode> resources) {
        JsonNode target = patch.path("target");
        if (!patch.has("patch") || !target.has("kind")) {
            throw new IllegalArgumentException(file + ": a patch needs an inline JSON 6902 patch and a target kind");
        }
        JsonNode ops = YAML.readTree(patch.get("patch").asString());
        if (!ops.isArray()) {
            throw new IllegalArgumentException(file + ": only JSON 6902 patches (a list of operations) are rendered");
        }
        Pattern name = Pattern.compile(target.path("name").asString(".*"));
        int matched = 0;
        for (int i = 0; i < resources.size(); i++) {
            ObjectNode r = resources.get(i);
            if (r.path("kind").asString().equals(target.get("kind").asString())
                    && name.matcher(r.path("metadata").path("name").asString()).matches()) {
                resources.set(i, (ObjectNode) JsonPatch.apply(ops, r));
                matched++;
            }
        }
        if (matched == 0) {
            // kustomize fails too when a patch's target matches nothing.
            throw new IllegalArgumentException(file + ": no resource matches the patch target " + target);
        }
    }

    private static void applyImage(JsonNode image, List<ObjectNode> resources) {
        String name = image.get("name").asString();
        for (ObjectNode r : resources) {
            for (JsonNode c : containers(r)) {
                String current = c.path("image").asString();
                int colon = current.lastIndexOf(':');
                String base = colon > current.lastIndexOf('/') ? current.substring(0, colon) : current;
                String tag = colon > current.lastIndexOf('/') ? current.substring(colon + 1) : null;
                if (base.equals(name)) {
                    String newName = image.path("newName").asString(base);
                    String newTag = image.has("newTag") ? image.get("newTag").asString() : tag;
                    ((ObjectNode) c).put("image", newTag == null ? newName : newName + ":" + newTag);
                }
            }
        }
    }

    /** The containers and init containers of a workload's pod template (Deployment, StatefulSet, Job). */
    static List<JsonNode> containers(JsonNode resource) {
        List<JsonNode> list = new ArrayList<>();
        JsonNode pod = resource.path("spec").path("template").path("spec");
        for (String field : List.of("initContainers", "containers")) {
            if (pod.path(field) instanceof ArrayNode a) {
                a.forEach(list::add);
            }
        }
        return list;
    }

    static List<ObjectNode> readAll(Path file) {
        List<ObjectNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.newBufferedReader(file))) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    if (!(doc instanceof ObjectNode o) || !o.has("kind") || !o.has("apiVersion") || !o.has("metadata")) {
                        throw new IllegalArgumentException(file + ": a document without apiVersion, kind and metadata");
                    }
                    docs.add(o);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    static JsonNode readOne(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
