package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;

import java.time.Instant;
import java.util.Map;

/** Tiny score networks in a real S3 store, as the trainer would publish them. */
public final class TestModels {

    /** 8×8 grey images, ngf 4, the paper's ten levels: a forward pass takes milliseconds. */
    static final Architecture TINY = new Architecture("custom", 1, 8, 4, 10);
    static final NoiseSchedule SCHEDULE = NoiseSchedule.IMAGES;

    private TestModels() {
    }

    /** Writes a version whose parameters are a fresh network drawn from seed. */
    public static CheckpointManifest putVersion(ModelStore store, String model, String version, long seed) {
        return putVersion(store, model, version, TINY, TINY, seed);
    }

    /**
     * Writes a version whose manifest describes {@code claimed} but whose parameters come from a network of
     * {@code actual} (different shapes make a mismatched checkpoint).
     */
    public static CheckpointManifest putVersion(ModelStore store, String model, String version, Architecture claimed,
                                         Architecture actual, long seed) {
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(actual, SCHEDULE, manager, seed)) {
            CheckpointManifest meta = CheckpointManifest.of(model, version, claimed, SCHEDULE,
                    CheckpointManifest.DataShape.of(claimed), seed, true, Instant.now());
            return store.putVersion(meta, net.parameters(), Map.of());
        }
    }

    public static void setLive(ModelStore store, String model, String version) {
        store.setLive(new LivePointer(model, version, ModelStore.versionPrefix(model, version), 0, Map.of(),
                Instant.now()));
    }

    /** Flips one bit of a version's parameters.bin: its checksum no longer matches. */
    public static void corrupt(ModelStore store, String model, String version) {
        String key = ModelStore.versionPrefix(model, version) + Checkpoint.PARAMETERS_FILE;
        byte[] bytes = store.get(key).orElseThrow();
        bytes[bytes.length / 2] ^= 0x10;
        store.put(key, bytes, "application/octet-stream");
    }
}
