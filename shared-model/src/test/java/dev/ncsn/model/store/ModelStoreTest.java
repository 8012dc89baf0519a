package dev.ncsn.model.store;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.net.Architecture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** Against a real S3 server: S3Proxy in this JVM, or MinIO where Docker exists. */
@ExtendWith(InfrastructureExtension.class)
class ModelStoreTest {

    private static final Architecture ARCH = new Architecture("custom", 1, 8, 4, 10);

    private NDManager manager;
    private ModelStore store;
    private String model;

    @BeforeEach
    void setUp(LocalInfrastructure infra) {
        manager = NDManager.newBaseManager();
        store = new ModelStore(infra.s3Client(), "store-test");
        store.ensureBucket();
        model = "m-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Map<String, NDArray> parameters(float value) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("a.weight", manager.full(new Shape(4, 1, 3, 3), value));
        p.put("a.bias", manager.arange(4f));
        return p;
    }

    private CheckpointManifest meta(String version, long step) {
        return CheckpointManifest.of(model, version, ARCH, NoiseSchedule.IMAGES,
                CheckpointManifest.DataShape.of(ARCH), step, true, Instant.parse("2026-11-22T03:00:00Z"));
    }

    @Test
    void aVersionRoundTripsAndIsVerified() {
        CheckpointManifest sealed = store.putVersion(meta("v1", 100), parameters(0.5f),
                Map.of("samples.png", new byte[] {1, 2, 3}));
        LoadedCheckpoint loaded = store.fetch(model, "v1", ARCH, NoiseSchedule.IMAGES);
        assertEquals(sealed, loaded.manifest());
        assertArrayEquals(new float[] {0, 1, 2, 3}, loaded.parameter("a.bias").values());
        assertArrayEquals(new byte[] {1, 2, 3}, store.getVersionFile(model, "v1", "samples.png").orElseThrow());
        assertThrows(IllegalStateException.class, () -> store.putVersion(meta("v1", 200), parameters(1f), Map.of()),
                "versions are immutable");
    }

    @Test
    void aCheckpointDirectoryIsCopiedInAsAVerifiableVersion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        CheckpointManifest written = dev.ncsn.model.checkpoint.Checkpoint.write(dir, meta("seed-1", 42), parameters(0.25f));
        java.nio.file.Files.write(dir.resolve("samples.png"), new byte[] {9, 8, 7});
        assertEquals(written, store.putCheckpointDirectory(dir));
        LoadedCheckpoint loaded = store.fetch(model, "seed-1", ARCH, NoiseSchedule.IMAGES);
        assertEquals(written, loaded.manifest());
        assertArrayEquals(new float[] {0, 1, 2, 3}, loaded.parameter("a.bias").values());
        assertArrayEquals(new byte[] {9, 8, 7}, store.getVersionFile(model, "seed-1", "samples.png").orElseThrow());
        // an existing version is left as it is, even when the directory now differs
        java.nio.file.Files.write(dir.resolve("samples.png"), new byte[] {1});
        store.putCheckpointDirectory(dir);
        assertArrayEquals(new byte[] {9, 8, 7}, store.getVersionFile(model, "seed-1", "samples.png").orElseThrow());
    }

    @Test
    void aVersionWithoutManifestDoesNotExistAndCannotGoLive() {
        store.putVersion(meta("v1", 100), parameters(0.5f), Map.of());
        // A trainer that died after uploading parameters but before the manifest.
        store.put(ModelStore.versionPrefix(model, "v2") + "parameters.bin", new byte[64], "application/octet-stream");

        assertEquals(List.of("v1"), store.versions(model).stream().map(CheckpointManifest::versionId).toList());
        var e = assertThrows(IllegalStateException.class, () -> store.setLive(
                new LivePointer(model, "v2", ModelStore.versionPrefix(model, "v2"), 200, Map.of(), Instant.now())));
        assertTrue(e.getMessage().contains("has no manifest"));
        assertThrows(CheckpointException.class, () -> store.fetch(model, "v2", ARCH, NoiseSchedule.IMAGES));
    }

    @Test
    void thePointerNamesTheLiveVersion() {
        assertTrue(store.live(model).isEmpty());
        store.putVersion(meta("v1", 100), parameters(0.5f), Map.of());
        store.putVersion(meta("v2", 200), parameters(0.25f), Map.of());
        var pointer = new LivePointer(model, "v2", ModelStore.versionPrefix(model, "v2"), 200,
                Map.of("heldOutDsmLoss", 0.3), Instant.parse("2026-11-22T03:05:00Z"));
        store.setLive(pointer);
        assertEquals(pointer, store.live(model).orElseThrow());
        assertTrue(store.models().contains(model));
        assertThrows(IllegalStateException.class, () -> store.deleteVersion(model, "v2"), "the live version stays");
        store.deleteVersion(model, "v1");
        assertEquals(List.of("v2"), store.versions(model).stream().map(CheckpointManifest::versionId).toList());
        assertTrue(store.list(ModelStore.versionPrefix(model, "v1")).isEmpty());
    }

    @Test
    void corruptedOrMismatchedVersionsAreRejected() {
        store.putVersion(meta("v1", 100), parameters(0.5f), Map.of());
        String key = ModelStore.versionPrefix(model, "v1") + "parameters.bin";
        byte[] bytes = store.get(key).orElseThrow();
        bytes[10] ^= 0x40;
        store.put(key, bytes, "application/octet-stream");
        var checksum = assertThrows(CheckpointException.class, () -> store.fetch(model, "v1", ARCH, NoiseSchedule.IMAGES));
        assertTrue(checksum.getMessage().contains("checksum mismatch"), checksum.getMessage());

        store.put(key, new byte[12], "application/octet-stream");
        var size = assertThrows(CheckpointException.class, () -> store.fetch(model, "v1", ARCH, NoiseSchedule.IMAGES));
        assertTrue(size.getMessage().contains("has 12 bytes"), size.getMessage());

        store.putVersion(meta("v2", 100), parameters(0.5f), Map.of());
        Architecture other = new Architecture("custom", 1, 8, 8, 10);
        assertThrows(CheckpointException.class, () -> store.fetch(model, "v2", other, NoiseSchedule.IMAGES));
    }

    @Test
    void unsafeNamesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelStore.versionPrefix("../etc", "v1"));
        assertTrue(e.getMessage().startsWith("model name must be"));
        assertThrows(IllegalArgumentException.class, () -> store.putVersionFile(model, "v1", "manifest.json",
                "{}".getBytes(StandardCharsets.UTF_8)));
    }
}
