package dev.ncsn.model.train;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.net.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@link TrainingRun#startFrom}: continuing from published (EMA) weights, as continuous retraining does. */
class TrainingRunStartFromTest {

    private static final Path SUBSET = Path.of("src/test/resources/fashion-mnist-subset");
    private static final Architecture TINY = new Architecture("custom", 1, 28, 4, 10);

    private static TrainingConfig config(long seed) {
        return new TrainingConfig("start-from", TINY, NoiseSchedule.IMAGES, TrainingConfig.Objective.DSM, 4, 1e-3,
                0.999, seed, false);
    }

    @Test
    void startsWithTheCheckpointsWeightsInBothNetworkAndAverageAndCountsOnFromItsStep(@TempDir Path dir) {
        Dataset data = MnistReader.read(SUBSET, "t10k");
        try (TrainingRun first = TrainingRun.start(config(1), data)) {
            first.trainStep();
            first.trainStep();
            first.writeEmaCheckpoint(dir.resolve("published"), "v1");
        }
        LoadedCheckpoint published = Checkpoint.read(dir.resolve("published"), TINY, NoiseSchedule.IMAGES);
        try (TrainingRun next = TrainingRun.startFrom(config(2), data, published, 2)) {
            assertEquals(2, next.step());
            Map<String, float[]> raw = next.network().parameterValues();
            Map<String, float[]> ema = next.emaNetwork().parameterValues();
            published.parameters().forEach((name, tensor) -> {
                assertArrayEquals(tensor.values(), raw.get(name), name);
                assertArrayEquals(tensor.values(), ema.get(name), name);
            });
            assertTrue(Double.isFinite(next.trainStep()));
            assertEquals(3, next.step());
            assertEquals(3, next.emaManifest("v2").trainingStep());

            // and a run started this way saves and resumes like any other
            next.saveState(dir.resolve("state"), 1);
            double expected = next.trainStep();
            try (TrainingRun resumed = TrainingRun.resume(dir.resolve("state"), data)) {
                assertEquals(3, resumed.step());
                assertEquals(expected, resumed.trainStep());
            }
        }
    }

    @Test
    void weightsOfAnotherArchitectureAreRefused(@TempDir Path dir) {
        Dataset data = MnistReader.read(SUBSET, "t10k");
        try (TrainingRun first = TrainingRun.start(config(1), data)) {
            first.writeEmaCheckpoint(dir.resolve("published"), "v1");
        }
        LoadedCheckpoint published = Checkpoint.read(dir.resolve("published"));
        Architecture wider = new Architecture("custom", 1, 28, 8, 10);
        TrainingConfig other = new TrainingConfig("start-from", wider, NoiseSchedule.IMAGES,
                TrainingConfig.Objective.DSM, 4, 1e-3, 0.999, 1, false);
        assertThrows(RuntimeException.class, () -> TrainingRun.startFrom(other, data, published, 0));
        assertThrows(IllegalArgumentException.class, () -> TrainingRun.startFrom(config(1), data, published, -1));
    }
}
