package dev.ncsn.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointManifestTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SHA = "ab".repeat(32);

    static CheckpointManifest sealed() {
        return CheckpointTest.meta().sealed(SHA, List.of(
                new CheckpointManifest.ParameterEntry("scale.weight", List.of(1L, 4L, 4L), "float32", 0),
                new CheckpointManifest.ParameterEntry("level.bias", List.of(3L, 1L), "float32", 64),
                new CheckpointManifest.ParameterEntry("scalar", List.of(), "float32", 76)));
    }

    static byte[] edit(Consumer<ObjectNode> change) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(sealed().toJson());
        change.accept(tree);
        return JSON.writeValueAsBytes(tree);
    }

    static String rejection(byte[] json) {
        return assertThrows(CheckpointException.class, () -> CheckpointManifest.fromJson(json)).getMessage();
    }

    @Test
    void jsonRoundTrip() {
        CheckpointManifest manifest = sealed();
        CheckpointManifest back = CheckpointManifest.fromJson(manifest.toJson());
        assertEquals(manifest, back);
        assertEquals(80, back.parametersFileSize());
        assertEquals(Map.of("heldOutLoss", 0.125), back.metrics());
        assertEquals("v1", back.parent());
    }

    @Test
    void jsonHasTheDocumentedFields() throws Exception {
        JsonNode tree = JSON.readTree(sealed().toJson());
        assertEquals(List.of("formatVersion", "modelName", "versionId", "parent", "architecture", "schedule",
                "dataShape", "trainingStep", "ema", "createdAt", "metrics", "parametersSha256", "parameterTable"),
                iterate(tree.fieldNames()));
        assertEquals(1, tree.get("formatVersion").intValue());
        assertEquals("2025-03-01T12:00:00.123456Z", tree.get("createdAt").textValue());
        assertTrue(tree.get("ema").booleanValue());
        assertEquals(1234, tree.get("trainingStep").longValue());
        assertEquals("{\"channels\":1,\"height\":4,\"width\":4}", tree.get("dataShape").toString());
        assertEquals("{\"name\":\"level.bias\",\"shape\":[3,1],\"dtype\":\"float32\",\"offset\":64}",
                tree.get("parameterTable").get(1).toString());
        assertEquals(List.of("preset", "channels", "imageSize", "ngf", "levels"),
                iterate(tree.get("architecture").fieldNames()));
        assertEquals(List.of("sigmaMax", "sigmaMin", "levels"), iterate(tree.get("schedule").fieldNames()));
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void optionalFieldsMayBeAbsent() throws Exception {
        CheckpointManifest m = CheckpointManifest.fromJson(edit(t -> {
            t.remove("parent");
            t.remove("metrics");
        }));
        assertNull(m.parent());
        assertEquals(Map.of(), m.metrics());
        assertFalse(new String(m.toJson(), StandardCharsets.UTF_8).contains("\"parent\""));
    }

    @Test
    void unknownFieldsAreTolerated() throws Exception {
        CheckpointManifest m = CheckpointManifest.fromJson(edit(t -> {
            t.put("trainerHost", "node-7");
            t.putObject("optimizer").put("name", "adam");
            ((ObjectNode) t.get("architecture")).put("dilation", 2);
            ((ObjectNode) t.get("schedule")).put("kind", "geometric");
            ((ObjectNode) t.get("dataShape")).put("layout", "CHW");
            ((ObjectNode) t.get("parameterTable").get(0)).put("layer", "conv");
        }));
        assertEquals(sealed(), m);
    }

    @Test
    void missingRequiredFieldsAreNamed() throws Exception {
        assertEquals("manifest.json is missing required field trainingStep", rejection(edit(t -> t.remove("trainingStep"))));
        assertEquals("manifest.json is missing required field architecture.ngf",
                rejection(edit(t -> ((ObjectNode) t.get("architecture")).remove("ngf"))));
        assertEquals("manifest.json is missing required fields createdAt, parameterTable[1].offset",
                rejection(edit(t -> {
                    t.putNull("createdAt");
                    ((ObjectNode) t.get("parameterTable").get(1)).remove("offset");
                })));
        assertEquals("manifest.json is missing required field parametersSha256",
                rejection(edit(t -> t.remove("parametersSha256"))));
        assertEquals("manifest.json has no formatVersion: not a checkpoint manifest",
                rejection(edit(t -> t.remove("formatVersion"))));
    }

    @Test
    void unsupportedFormatVersionIsRejected() throws Exception {
        assertEquals("manifest.json has formatVersion 2, this reader supports only 1 (written by a newer version;"
                + " upgrade this service)", rejection(edit(t -> t.put("formatVersion", 2))));
        assertTrue(rejection(edit(t -> t.put("formatVersion", 0))).startsWith("manifest.json has formatVersion 0"));
        assertTrue(rejection(edit(t -> t.put("formatVersion", "one"))).contains("expected an integer"));
    }

    @Test
    void invalidValuesAreRejected() throws Exception {
        assertEquals("manifest.json is invalid: parameterTable: level.bias has offset 60, expected 64 (tensors are"
                + " packed back to back in table order)",
                rejection(edit(t -> ((ObjectNode) t.get("parameterTable").get(1)).put("offset", 60))));
        assertEquals("manifest.json is invalid: parameter level.bias has dtype float16; format version 1 stores only"
                + " float32",
                rejection(edit(t -> ((ObjectNode) t.get("parameterTable").get(1)).put("dtype", "float16"))));
        assertTrue(rejection(edit(t -> t.put("parametersSha256", "XYZ"))).contains("64 lower-case hex digits"));
        assertTrue(rejection(edit(t -> ((ArrayNode) t.get("parameterTable")).add(t.get("parameterTable").get(0))))
                .contains("lists scale.weight twice"));
        assertTrue(rejection(edit(t -> t.put("trainingStep", "many"))).contains("trainingStep"));
        assertTrue(rejection(edit(t -> t.put("createdAt", "yesterday"))).contains("ISO-8601"));
        assertTrue(rejection(edit(t -> ((ObjectNode) t.get("schedule")).put("levels", 4)))
                .contains("conditioned on 3 noise levels but the schedule has 4"));
        assertTrue(rejection(edit(t -> ((ObjectNode) t.get("dataShape")).put("width", 5)))
                .contains("does not fit the architecture"));
        assertTrue(rejection("{\"formatVersion\": 1,".getBytes(StandardCharsets.UTF_8))
                .startsWith("manifest.json is not valid JSON"));
        assertTrue(rejection(edit(t -> ((ObjectNode) t.get("parameterTable").get(0)).putArray("shape")
                .add(1L << 40).add(1L << 40))).contains("impossibly large shape"));
        assertEquals("manifest.json is empty", rejection(new byte[0]));
        assertEquals("manifest.json is not a JSON object", rejection("[1]".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void offsetTimestampsAreAccepted() throws Exception {
        CheckpointManifest m = CheckpointManifest.fromJson(edit(t -> t.put("createdAt", "2025-03-01T13:00:00.123456+01:00")));
        assertEquals(Instant.parse("2025-03-01T12:00:00.123456Z"), m.createdAt());
    }

    @Test
    void constructionChecksConsistency() {
        Architecture arch = TinyScoreModel.ARCHITECTURE;
        CheckpointManifest.DataShape shape = CheckpointManifest.DataShape.of(arch);
        Instant now = Instant.now();
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointManifest.of("m", "v", arch, new NoiseSchedule(1, 0.1, 4), shape, 0, false, now));
        assertThrows(IllegalArgumentException.class, () -> CheckpointManifest.of("m", "v", arch,
                TinyScoreModel.SCHEDULE, new CheckpointManifest.DataShape(3, 4, 4), 0, false, now));
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointManifest.of(" ", "v", arch, TinyScoreModel.SCHEDULE, shape, 0, false, now));
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointManifest.of("m", "v", arch, TinyScoreModel.SCHEDULE, shape, -1, false, now));
        CheckpointManifest ok = CheckpointManifest.of("m", "v", arch, TinyScoreModel.SCHEDULE, shape, 0, false, now);
        assertThrows(IllegalArgumentException.class, () -> ok.withMetrics(Map.of("loss", Double.NaN)));
        assertFalse(ok.hasParameterFile());
        assertEquals(ok, CheckpointManifest.fromJson(ok.sealed(SHA, sealed().parameterTable()).toJson()).unsealed());
    }
}
