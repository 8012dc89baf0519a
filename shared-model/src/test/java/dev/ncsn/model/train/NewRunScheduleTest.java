package dev.ncsn.model.train;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnV2ScoreNetwork;
import dev.ncsn.model.schedule.ScheduleDesigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule a new run trains on ({@link TrainingConfig#forNewRun}): designed from the training data for NCSNv2,
 * the family default for NCSN, the given one when there is one; and the design's way into the run's saved state
 * and its checkpoints.
 */
class NewRunScheduleTest {

    private static final Path SUBSET = Path.of("src/test/resources/fashion-mnist-subset");
    /** A narrow NCSNv2 network; its preset levels (10) are what a design replaces. */
    private static final Architecture TINY_V2 = new Architecture(NcsnV2ScoreNetwork.FAMILY_NAME, "custom", 1, 28, 4,
            10);
    private static final Architecture TINY_NCSN = new Architecture("custom", 1, 28, 4, 10);

    private static TrainingConfig config(Architecture arch) {
        return TrainingConfig.paper("schedule-test", arch, 4, 3);
    }

    @Test
    void anNcsnv2RunDesignsItsScheduleFromTheTrainingData() {
        Dataset train = MnistReader.read(SUBSET, "train");
        TrainingConfig designed = config(TINY_V2).forNewRun(null, train);
        ScheduleDesigner.Design expected = ScheduleDesigner.design(train, ScheduleDesigner.PAPER_SIGMA_MIN,
                ScheduleDesigner.PAPER_COVERAGE, ScheduleDesigner.REFERENCE_STEPS_PER_LEVEL);
        assertEquals(expected, designed.scheduleDesign());
        assertEquals(expected.schedule(), designed.schedule());
        assertNotEquals(NoiseSchedule.IMAGES, designed.schedule());
        // σ1 is the subset's farthest pair, far above NCSN's σ1 = 1; L follows Technique 2 for D = 784
        assertTrue(designed.schedule().sigmaMax() > 10, designed.schedule().toString());
        assertEquals(ScheduleDesigner.levelsFor(designed.schedule().sigmaMax(), 0.01, 784, 0.5),
                designed.schedule().levels());
        assertEquals(designed.schedule().levels(), designed.architecture().levels(), "the network takes its levels");
        assertEquals(TINY_V2.withLevels(designed.schedule().levels()), designed.architecture());
    }

    @Test
    void aGivenScheduleWinsAndNcsnKeepsItsDefault() {
        Dataset train = MnistReader.read(SUBSET, "train");
        NoiseSchedule given = new NoiseSchedule(5.0, 0.02, 12);
        TrainingConfig v2 = config(TINY_V2).forNewRun(given, train);
        assertEquals(given, v2.schedule());
        assertEquals(12, v2.architecture().levels());
        assertNull(v2.scheduleDesign());
        TrainingConfig ncsn = config(TINY_NCSN);
        assertSame(ncsn, ncsn.forNewRun(null, train), "NCSN trains on the paper's schedule");
        assertEquals(NoiseSchedule.IMAGES, ncsn.schedule());
    }

    @Test
    void theDesignIsSavedWithTheStateAndCarriedByEveryCheckpoint(@TempDir Path dir) throws Exception {
        Dataset train = MnistReader.read(SUBSET, "train");
        TrainingConfig designed = config(TINY_V2).forNewRun(null, train);
        Path state = dir.resolve("state");
        try (TrainingRun run = TrainingRun.start(designed, train)) {
            run.trainStep();
            run.saveState(state, 2);
            CheckpointManifest written = run.writeEmaCheckpoint(dir.resolve("ckpt"), "v1");
            assertEquals(designed.scheduleDesign(), written.scheduleDesign());
        }
        assertEquals(designed, TrainingRun.savedConfig(state), "the resumed run trains on the saved design");
        CheckpointManifest read = Checkpoint.read(dir.resolve("ckpt")).manifest();
        assertEquals(designed.scheduleDesign(), read.scheduleDesign());
        String json = Files.readString(dir.resolve("ckpt/manifest.json"), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"farthest\""), json);
        assertTrue(json.contains("\"epsilonNcsnv2\""), json);
        try (TrainingRun resumed = TrainingRun.resume(state, train)) {
            assertEquals(designed.schedule(), resumed.network().schedule());
            assertEquals(1, resumed.step());
        }
    }

    @Test
    void aManifestWithoutADesignHasNoDesignField(@TempDir Path dir) throws Exception {
        Dataset train = MnistReader.read(SUBSET, "train");
        try (TrainingRun run = TrainingRun.start(config(TINY_NCSN), train)) {
            run.writeEmaCheckpoint(dir.resolve("ckpt"), "v1");
        }
        String json = Files.readString(dir.resolve("ckpt/manifest.json"), StandardCharsets.UTF_8);
        assertFalse(json.contains("scheduleDesign"), "NCSN manifests are written as before: " + json);
        assertNull(Checkpoint.read(dir.resolve("ckpt")).manifest().scheduleDesign());
    }
}
