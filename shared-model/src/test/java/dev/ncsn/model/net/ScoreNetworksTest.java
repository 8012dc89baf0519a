package dev.ncsn.model.net;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network factory: the manifest's family picks the network; manifests without one are NCSN's. */
class ScoreNetworksTest {

    private static final Architecture TINY = new Architecture("custom", 1, 8, 4, 3);
    private static final NoiseSchedule SCHEDULE = new NoiseSchedule(1.0, 0.1, 3);

    @TempDir
    Path tmp;

    @Test
    void theShippedModelWrittenBeforeFamiliesExistedIsAnNcsnNetworkAndLoads() {
        Path shipped = Path.of("..", "models", "fashion-mnist-ncsn");
        String json = readString(shipped.resolve(Checkpoint.MANIFEST_FILE));
        assertFalse(json.contains("\"family\""), "the shipped manifest predates families");
        LoadedCheckpoint checkpoint = Checkpoint.read(shipped);
        assertEquals(NcsnScoreNetwork.FAMILY_NAME, checkpoint.manifest().architecture().family());
        assertEquals(Architecture.preset(Architecture.COMPACT), checkpoint.manifest().architecture());
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = checkpoint.newNetwork(manager)) {
            assertInstanceOf(NcsnScoreNetwork.class, net);
            String first = net.parameters().keySet().iterator().next();
            assertArrayEquals(checkpoint.parameter(first).values(), net.parameters().get(first).toFloatArray());
        }
    }

    @Test
    void checkpointsSayWhichFamilyTheyAreAndTheFactoryBuildsItFromTheManifest() {
        Path dir = tmp.resolve("ckpt");
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(TINY, SCHEDULE, manager, 5)) {
            Checkpoint.write(dir, CheckpointManifest.of("m", "v1", TINY, SCHEDULE, CheckpointManifest.DataShape.of(TINY),
                    3, true, Instant.EPOCH), net.parameters());
        }
        // NCSN manifests stay as they were before families existed: absent means ncsn
        assertFalse(readString(dir.resolve(Checkpoint.MANIFEST_FILE)).contains("\"family\""));
        LoadedCheckpoint checkpoint = Checkpoint.read(dir);
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel loaded = checkpoint.newNetwork(manager);
             TrainableScoreModel fresh = ScoreNetworks.create(TINY, SCHEDULE, manager, 5)) {
            assertEquals(SCHEDULE, loaded.schedule());
            fresh.parameterValues().forEach((name, v) -> assertArrayEquals(v, loaded.parameterValues().get(name), name));
        }
    }

    @Test
    void anUnknownFamilyIsRefusedByName() throws Exception {
        Path dir = tmp.resolve("other");
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(TINY, SCHEDULE, manager, 5)) {
            Checkpoint.write(dir, CheckpointManifest.of("m", "v1", TINY, SCHEDULE, CheckpointManifest.DataShape.of(TINY),
                    3, true, Instant.EPOCH), net.parameters());
        }
        Path manifest = dir.resolve(Checkpoint.MANIFEST_FILE);
        Files.writeString(manifest, readString(manifest).replace("\"preset\" : \"custom\"",
                "\"family\" : \"unet\", \"preset\" : \"custom\""));
        LoadedCheckpoint checkpoint = Checkpoint.read(dir);
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoint.newNetwork(manager));
            assertTrue(e.getMessage().contains("unknown network family 'unet'"), e.getMessage());
        }
    }

    @Test
    void presetsComeFromTheRegisteredFamilies() {
        assertTrue(Architecture.presetNames().containsAll(java.util.List.of("mnist", "cifar10", "compact")));
        for (NetworkFamily family : ScoreNetworks.families()) {
            family.presets().forEach((name, arch) -> {
                assertEquals(family.name(), arch.family());
                assertEquals(arch, Architecture.preset(name));
            });
        }
        assertThrows(IllegalArgumentException.class, () -> Architecture.preset("nope"));
    }

    /** The gateway prices a sampler choice from the manifest alone, so the family must say what the network does. */
    @Test
    void aFamilySaysWhetherItsNetworksAcceptAnySigmaAsTheBuiltNetworkDoes() {
        for (NetworkFamily family : ScoreNetworks.families()) {
            Architecture smallest = family.presets().values().stream()
                    .min(java.util.Comparator.comparingLong(a -> family.parameterCount().applyAsLong(a)))
                    .orElseThrow();
            try (NDManager manager = NDManager.newBaseManager();
                 TrainableScoreModel net = ScoreNetworks.create(smallest, ScoreNetworks.defaultSchedule(smallest),
                         manager, 1)) {
                assertEquals(net.acceptsAnySigma(), ScoreNetworks.acceptsAnySigma(smallest), family.name());
            }
        }
        assertFalse(ScoreNetworks.acceptsAnySigma(TINY), "NCSN is conditioned on level indices");
        assertTrue(ScoreNetworks.acceptsAnySigma(Architecture.preset("ncsnv2-compact")));
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
