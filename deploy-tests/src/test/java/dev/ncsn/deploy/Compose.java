package dev.ncsn.deploy;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** docker-compose.yml (and its opt-in docker-compose.ports.yml) as a tree (YAML merge keys resolved, as Compose does). */
final class Compose {

    private static final JsonNode ROOT = load("docker-compose.yml");
    private static final JsonNode PORTS = load("docker-compose.ports.yml");

    private Compose() {
    }

    private static JsonNode load(String file) {
        // SnakeYAML 2 (Jackson 2's YAML) resolves the << merge keys the file uses; Jackson's own YAML reader does not.
        try (var in = java.nio.file.Files.newBufferedReader(Repo.path(file))) {
            Object tree = new org.yaml.snakeyaml.Yaml().load(in);
            return tools.jackson.databind.json.JsonMapper.builder().build().valueToTree(tree);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode root() {
        return ROOT;
    }

    /** docker-compose.ports.yml: what an operator adds to publish the internals on this machine. */
    static JsonNode portsOverride() {
        return PORTS;
    }

    static JsonNode service(String name) {
        JsonNode s = ROOT.path("services").path(name);
        if (s.isMissingNode()) {
            throw new AssertionError("docker-compose.yml has no service " + name);
        }
        return s;
    }

    static List<String> stringList(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asString()));
        } else if (!node.isMissingNode()) {
            out.add(node.asString());
        }
        return out;
    }
}
