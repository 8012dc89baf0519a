package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {

    /** Values whose bits a lossy codec would change: a NaN with a payload, −0, subnormals, extremes, infinities. */
    static final float[] AWKWARD = {
            Float.intBitsToFloat(0x7fc12345), -0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0f / 3.0f,
            (float) Math.PI, -1e-30f, 12345.678f, 0.1f, -7.0f};

    @TempDir
    Path tmp;

    NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    static CheckpointManifest meta() {
        return CheckpointManifest.of("tiny", "v2", TinyScoreModel.ARCHITECTURE, TinyScoreModel.SCHEDULE,
                        CheckpointManifest.DataShape.of(TinyScoreModel.ARCHITECTURE), 1234, true,
                        Instant.parse("2025-03-01T12:00:00.123456Z"))
                .withMetrics(Map.of("heldOutLoss", 0.125))
                .withParent("v1");
    }

    TinyScoreModel modelWithAwkwardValues() {
        TinyScoreModel model = TinyScoreModel.standard(manager, 1);
        model.parameters().get("scale.weight").set(FloatBuffer.wrap(AWKWARD));
        return model;
    }

    static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    static void assertBitIdentical(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (String name : expected.keySet()) {
            assertEquals(expected.get(name).getShape(), actual.get(name).getShape(), name);
            assertArrayEquals(bits(expected.get(name).toFloatArray()), bits(actual.get(name).toFloatArray()), name);
        }
    }

    @Test
    void roundTripIsBitIdenticalAndManifestEqual() {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("tiny/v2");
            CheckpointManifest written = Checkpoint.write(dir, meta(), model.parameters());

            LoadedCheckpoint loaded = Checkpoint.read(dir);

            assertEquals(written, loaded.manifest());
            assertEquals(List.copyOf(model.parameters().keySet()), List.copyOf(loaded.parameters().keySet()));
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                LoadedCheckpoint.Tensor t = loaded.parameter(e.getKey());
                assertEquals(e.getValue().getShape(), t.shape());
                assertArrayEquals(bits(e.getValue().toFloatArray()), bits(t.values()), e.getKey());
            }
            assertArrayEquals(bits(AWKWARD), bits(loaded.parameter("scale.weight").values()));
        }
    }

    @Test
    void writtenManifestIsSealedAndDescribesTheFile() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            CheckpointManifest written = Checkpoint.write(dir, meta(), model.parameters());

            assertEquals(CheckpointManifest.FORMAT_VERSION, written.formatVersion());
            assertTrue(written.hasParameterFile());
            assertEquals(meta(), written.unsealed());
            assertEquals(List.of(
                    new CheckpointManifest.ParameterEntry("scale.weight", List.of(1L, 4L, 4L), "float32", 0),
                    new CheckpointManifest.ParameterEntry("level.bias", List.of(3L, 1L), "float32", 64)),
                    written.parameterTable());

            byte[] bin = Files.readAllBytes(dir.resolve(Checkpoint.PARAMETERS_FILE));
            assertEquals(written.parametersFileSize(), bin.length);
            assertEquals(19 * 4, bin.length);
            String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bin));
            assertEquals(sha, written.parametersSha256());
            // the documented layout: little-endian float32, tensors back to back in table order
            ByteBuffer le = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < AWKWARD.length; i++) {
                assertEquals(Float.floatToRawIntBits(AWKWARD[i]), le.getInt(i * 4));
            }
            float[] bias = model.parameters().get("level.bias").toFloatArray();
            for (int i = 0; i < bias.length; i++) {
                assertEquals(Float.floatToRawIntBits(bias[i]), le.getInt(64 + i * 4));
            }
            assertEquals(written, CheckpointManifest.fromJson(Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE))));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(Checkpoint.MANIFEST_FILE, Checkpoint.PARAMETERS_FILE),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
    }

    @Test
    void loadIntoCopiesValuesIntoTheModelsOwnArrays() {
        try (TinyScoreModel source = modelWithAwkwardValues();
             TinyScoreModel target = TinyScoreModel.standard(manager, 99)) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), source.parameters());
            Map<String, NDArray> before = new LinkedHashMap<>(target.parameters());
            assertNotEquals(Arrays.toString(source.parameters().get("level.bias").toFloatArray()),
                    Arrays.toString(target.parameters().get("level.bias").toFloatArray()));

            Checkpoint.read(dir).loadInto(target);

            assertBitIdentical(source.parameters(), target.parameters());
            for (String name : before.keySet()) {
                assertSame(before.get(name), target.parameters().get(name), "arrays are updated in place");
                assertTrue(target.parameters().get(name).hasGradient(), "still a trainable leaf");
            }
            // the model computes with the loaded values
            NDArray x = manager.ones(new Shape(1, 1, 4, 4));
            NDArray score = target.score(x, manager.zeros(new Shape(1), DataType.INT64));
            assertArrayEquals(bits(AWKWARD), bits(score.toFloatArray()));
        }
    }

    @Test
    void corruptedParameterByteIsRejectedWithChecksumMessage() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            CheckpointManifest written = Checkpoint.write(dir, meta(), model.parameters());
            Path bin = dir.resolve(Checkpoint.PARAMETERS_FILE);
            byte[] bytes = Files.readAllBytes(bin);
            bytes[70] ^= 0x01;
            Files.write(bin, bytes);

            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
            assertTrue(e.getMessage().startsWith("checksum mismatch for parameters.bin: manifest says "
                    + written.parametersSha256() + ", file has "), e.getMessage());
        }
    }

    @Test
    void truncatedParametersFileIsRejected() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            Path bin = dir.resolve(Checkpoint.PARAMETERS_FILE);
            byte[] bytes = Files.readAllBytes(bin);
            Files.write(bin, Arrays.copyOf(bytes, 70));

            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
            assertEquals("parameters.bin is truncated: the parameter table describes 76 bytes, the file has 70",
                    e.getMessage());

            // a stream has no size up front: it is found while decoding
            byte[] json = Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE));
            e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.read(json, new ByteArrayInputStream(Arrays.copyOf(bytes, 70))));
            assertEquals("parameters.bin is truncated: the parameter table describes 76 bytes, the file ends after 70"
                    + " (inside parameter level.bias)", e.getMessage());

            Files.write(bin, new byte[0]);
            e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void trailingBytesAreRejected() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            Path bin = dir.resolve(Checkpoint.PARAMETERS_FILE);
            byte[] bytes = Files.readAllBytes(bin);
            Files.write(bin, Arrays.copyOf(bytes, bytes.length + 3));

            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
            assertTrue(e.getMessage().startsWith("parameters.bin has 79 bytes but the parameter table describes 76"),
                    e.getMessage());
            byte[] json = Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE));
            e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.read(json, new ByteArrayInputStream(Arrays.copyOf(bytes, bytes.length + 3))));
            assertTrue(e.getMessage().startsWith("parameters.bin has 79 bytes but the parameter table describes 76"),
                    e.getMessage());
        }
    }

    @Test
    void missingFilesAreRejected() throws Exception {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(tmp.resolve("none")));
        assertTrue(e.getMessage().startsWith("no manifest.json in "), e.getMessage());

        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            Files.delete(dir.resolve(Checkpoint.PARAMETERS_FILE));
            e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
            assertTrue(e.getMessage().startsWith("no parameters.bin in "), e.getMessage());
        }
    }

    @Test
    void readingFromBytesEqualsReadingFromDirectory() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            byte[] json = Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE));
            byte[] bin = Files.readAllBytes(dir.resolve(Checkpoint.PARAMETERS_FILE));

            LoadedCheckpoint fromDir = Checkpoint.read(dir);
            LoadedCheckpoint fromBytes = Checkpoint.read(json, new ByteArrayInputStream(bin));

            assertEquals(fromDir.manifest(), fromBytes.manifest());
            assertEquals(fromDir.parameters(), fromBytes.parameters());

            bin[0] ^= (byte) 0x80;
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.read(json, new ByteArrayInputStream(bin)));
            assertTrue(e.getMessage().startsWith("checksum mismatch"), e.getMessage());
        }
    }

    @Test
    void writingToAStreamGivesTheSameBytesAsTheDirectory() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            CheckpointManifest inDir = Checkpoint.write(dir, meta(), model.parameters());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CheckpointManifest inStream = Checkpoint.writeParameters(meta(), model.parameters(), out);

            assertEquals(inDir, inStream);
            assertArrayEquals(Files.readAllBytes(dir.resolve(Checkpoint.PARAMETERS_FILE)), out.toByteArray());
            assertArrayEquals(Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE)), inStream.toJson());
        }
    }

    @Test
    void wrongArchitectureIsRejectedBeforeParametersAreRead() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            Files.delete(dir.resolve(Checkpoint.PARAMETERS_FILE)); // proves the parameters are never opened
            Architecture wider = new Architecture("test", 1, 4, 16, 3);

            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.read(dir, wider, TinyScoreModel.SCHEDULE));
            assertEquals("checkpoint tiny/v2: architecture mismatch: checkpoint has ngf=8 (expected 16)",
                    e.getMessage());
        }
    }

    @Test
    void wrongArchitectureIsRejectedWhenLoadingIntoAModel() {
        try (TinyScoreModel model = modelWithAwkwardValues();
             TinyScoreModel target = TinyScoreModel.standard(manager, 5)) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            LoadedCheckpoint loaded = Checkpoint.read(dir);
            float[] before = target.parameters().get("scale.weight").toFloatArray();

            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> loaded.loadInto(target, new Architecture("mnist", 1, 4, 8, 3)));
            assertTrue(e.getMessage().contains("preset=test (expected mnist)"), e.getMessage());
            assertArrayEquals(before, target.parameters().get("scale.weight").toFloatArray());
            loaded.loadInto(target, TinyScoreModel.ARCHITECTURE); // the right one is accepted
        }
    }

    @Test
    void wrongScheduleIsRejected() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            NoiseSchedule other = new NoiseSchedule(1.0, 0.01, 3);

            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir, null, other));
            assertEquals("checkpoint tiny/v2: noise schedule mismatch: checkpoint was trained for σmax=1.0, σmin=0.1,"
                    + " L=3, expected σmax=1.0, σmin=0.01, L=3", e.getMessage());

            byte[] json = Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE));
            byte[] bin = Files.readAllBytes(dir.resolve(Checkpoint.PARAMETERS_FILE));
            assertThrows(CheckpointException.class,
                    () -> Checkpoint.read(json, new ByteArrayInputStream(bin), null, other));
            // matching expectations pass
            Checkpoint.read(json, new ByteArrayInputStream(bin), TinyScoreModel.ARCHITECTURE, TinyScoreModel.SCHEDULE);
        }
    }

    @Test
    void toNDArraysGivesTheStoredValues() {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, meta(), model.parameters());
            try (NDManager other = NDManager.newBaseManager()) {
                Map<String, NDArray> arrays = Checkpoint.read(dir).toNDArrays(other);
                assertBitIdentical(model.parameters(), arrays);
                assertSame(other, arrays.get("scale.weight").getManager());
            }
        }
    }

    @Test
    void writeRefusesANonEmptyDirectoryAndLeavesItAlone() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("notes.txt"), "keep me");

            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.write(dir, meta(), model.parameters()));
            assertTrue(e.getMessage().contains("exists and is not empty"), e.getMessage());
            assertEquals("keep me", Files.readString(dir.resolve("notes.txt")));
            assertFalse(Files.exists(dir.resolve(Checkpoint.MANIFEST_FILE)));
            assertOnlyEntries(tmp, "ckpt");
        }
    }

    @Test
    void writeFillsAnExistingEmptyDirectory() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Path dir = tmp.resolve("ckpt");
            Files.createDirectories(dir);
            CheckpointManifest written = Checkpoint.write(dir, meta(), model.parameters());
            assertEquals(written, Checkpoint.read(dir).manifest());
            assertOnlyEntries(tmp, "ckpt");
        }
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Map<String, NDArray> params = new LinkedHashMap<>(model.parameters());
            params.put("counter", manager.create(new int[] {1, 2, 3}));
            Path dir = tmp.resolve("ckpt");

            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.write(dir, meta(), params));
            assertEquals("parameter counter is int32; checkpoints store float32 only", e.getMessage());
            assertOnlyEntries(tmp);

            assertThrows(CheckpointException.class, () -> Checkpoint.write(dir, meta(), Map.of()));
            assertOnlyEntries(tmp);
        }
    }

    @Test
    void successfulWritesLeaveNoTemporaryDirectories() throws Exception {
        try (TinyScoreModel model = modelWithAwkwardValues()) {
            Checkpoint.write(tmp.resolve("a"), meta(), model.parameters());
            Checkpoint.write(tmp.resolve("b"), meta().withParent(null), model.parameters());
            assertOnlyEntries(tmp, "a", "b");
        }
    }

    static void assertOnlyEntries(Path dir, String... names) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(names), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
