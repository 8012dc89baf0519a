package dev.ncsn.model.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading and writing {@code manifest.json}. */
final class ManifestJson {

    /** Required fields, checked on the JSON tree before binding so that a missing one is named, not defaulted to 0. */
    private static final List<String> REQUIRED_TOP = List.of("formatVersion", "modelName", "versionId",
            "architecture", "schedule", "dataShape", "trainingStep", "ema", "createdAt", "parametersSha256",
            "parameterTable");
    private static final List<String> REQUIRED_ARCHITECTURE = List.of("preset", "channels", "imageSize", "ngf",
            "levels");
    private static final List<String> REQUIRED_SCHEDULE = List.of("sigmaMax", "sigmaMin", "levels");
    private static final List<String> REQUIRED_DATA_SHAPE = List.of("channels", "height", "width");
    private static final List<String> REQUIRED_ENTRY = List.of("name", "shape", "dtype", "offset");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private ManifestJson() {
    }

    static byte[] write(CheckpointManifest manifest) {
        try {
            return MAPPER.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new CheckpointException("cannot write manifest.json: " + e.getOriginalMessage(), e);
        }
    }

    static CheckpointManifest read(byte[] json) {
        if (json == null || json.length == 0) {
            throw new CheckpointException("manifest.json is empty");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new CheckpointException("manifest.json is not valid JSON: " + originalMessage(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException("manifest.json is not a JSON object");
        }
        checkFormatVersion(root);
        checkRequired(root);
        try {
            return MAPPER.treeToValue(root, CheckpointManifest.class);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new CheckpointException("manifest.json is invalid: " + cause.getMessage(), e);
        } catch (JsonMappingException e) {
            String path = e.getPathReference() == null ? "" : " (at " + describePath(e) + ")";
            throw new CheckpointException("manifest.json is invalid" + path + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException("manifest.json is invalid: " + originalMessage(e), e);
        }
    }

    private static void checkFormatVersion(JsonNode root) {
        JsonNode v = root.get("formatVersion");
        if (v == null || v.isNull()) {
            throw new CheckpointException("manifest.json has no formatVersion: not a checkpoint manifest");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new CheckpointException("manifest.json has formatVersion " + v + ", expected an integer");
        }
        int version = v.intValue();
        if (version != CheckpointManifest.FORMAT_VERSION) {
            throw new CheckpointException("manifest.json has formatVersion " + version + ", this reader supports only "
                    + CheckpointManifest.FORMAT_VERSION
                    + (version > CheckpointManifest.FORMAT_VERSION ? " (written by a newer version; upgrade this service)" : ""));
        }
    }

    private static void checkRequired(JsonNode root) {
        List<String> missing = new ArrayList<>();
        collectMissing(root, "", REQUIRED_TOP, missing);
        collectMissingIn(root, "architecture", REQUIRED_ARCHITECTURE, missing);
        collectMissingIn(root, "schedule", REQUIRED_SCHEDULE, missing);
        collectMissingIn(root, "dataShape", REQUIRED_DATA_SHAPE, missing);
        JsonNode table = root.get("parameterTable");
        if (table != null && !table.isNull()) {
            if (!table.isArray()) {
                throw new CheckpointException("manifest.json: parameterTable must be an array");
            }
            for (int i = 0; i < table.size(); i++) {
                JsonNode entry = table.get(i);
                String prefix = "parameterTable[" + i + "]";
                if (!entry.isObject()) {
                    throw new CheckpointException("manifest.json: " + prefix + " must be an object");
                }
                collectMissing(entry, prefix + ".", REQUIRED_ENTRY, missing);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException("manifest.json is missing required field" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing));
        }
    }

    private static void collectMissingIn(JsonNode root, String field, List<String> required, List<String> missing) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return; // reported as a missing top-level field
        }
        if (!node.isObject()) {
            throw new CheckpointException("manifest.json: " + field + " must be an object, got " + node.getNodeType());
        }
        collectMissing(node, field + ".", required, missing);
    }

    private static void collectMissing(JsonNode node, String prefix, List<String> required, List<String> missing) {
        for (String name : required) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                missing.add(prefix + name);
            }
        }
    }

    private static String describePath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    }
}
