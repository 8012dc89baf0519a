package dev.ncsn.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.loss.DenoisingScoreMatching;
import dev.ncsn.model.loss.Perturbation;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Training on real Fashion-MNIST images (the committed subset of the Debian package's data). */
class TrainingRunTest {

    private static final Path SUBSET = Path.of("src/test/resources/fashion-mnist-subset");
    private static final Architecture SMALL = new Architecture("custom", 1, 28, 8, 10);

    private static TrainingConfig config(int batch) {
        return new TrainingConfig("fashion-test", SMALL, NoiseSchedule.IMAGES, TrainingConfig.Objective.DSM, batch,
                1e-3, 0.999, 7, false);
    }

    /** DSM loss of a network on fixed held-out images with fixed levels and noise. */
    private static double heldOutLoss(ScoreModel net, Dataset heldOut) {
        int n = 64;
        float[] images = new float[n * 784];
        for (int i = 0; i < n; i++) {
            heldOut.copy(i, images, i * 784);
        }
        Perturbation fixed = Perturbation.balanced(n, 784, 10, new SplittableRandom(123));
        try (NDManager m = NDManager.newBaseManager(); NoGrad ignored = NoGrad.enter()) {
            NDArray x = m.create(images, new Shape(n, 1, 28, 28));
            return new DenoisingScoreMatching().loss(net, x, fixed).getFloat();
        }
    }

    @Test
    void dsmLossOnHeldOutImagesGoesDownWithinAFewHundredSteps() {
        Dataset train = MnistReader.read(SUBSET, "train");
        Dataset heldOut = MnistReader.read(SUBSET, "t10k");
        try (TrainingRun run = TrainingRun.start(config(16), train)) {
            double before = heldOutLoss(run.network(), heldOut);
            for (int i = 0; i < 150; i++) {
                run.trainStep();
            }
            double after = heldOutLoss(run.network(), heldOut);
            double ema = heldOutLoss(run.emaNetwork(), heldOut);
            System.out.printf("held-out DSM loss: %.4f before, %.4f after 150 steps (EMA weights %.4f)%n",
                    before, after, ema);
            assertTrue(after < 0.75 * before, "held-out loss " + before + " → " + after);
            assertTrue(ema < before, "EMA weights improve too: " + before + " → " + ema);
        }
    }

    @Test
    void aResumedRunContinuesBitForBitLikeAnUninterruptedOne(@TempDir Path dir) {
        Dataset train = MnistReader.read(SUBSET, "train");
        List<Double> straightLosses = new ArrayList<>();
        Map<String, float[]> straight;
        try (TrainingRun run = TrainingRun.start(config(8), train)) {
            for (int i = 0; i < 6; i++) {
                straightLosses.add(run.trainStep());
            }
            straight = run.network().parameterValues();
        }

        List<Double> resumedLosses = new ArrayList<>();
        try (TrainingRun first = TrainingRun.start(config(8), train)) {
            for (int i = 0; i < 3; i++) {
                resumedLosses.add(first.trainStep());
            }
            first.saveState(dir, 2);
            first.trainStep(); // progress after the save is lost in the "crash"
        }
        assertTrue(TrainingRun.hasState(dir));
        try (TrainingRun resumed = TrainingRun.resume(dir, train)) {
            assertEquals(3, resumed.step());
            for (int i = 0; i < 3; i++) {
                resumedLosses.add(resumed.trainStep());
            }
            assertEquals(straightLosses, resumedLosses);
            Map<String, float[]> after = resumed.network().parameterValues();
            for (String name : straight.keySet()) {
                assertArrayEquals(straight.get(name), after.get(name), "parameter " + name);
            }
        }
    }

    @Test
    void emaCheckpointsAreReadableBySamplers(@TempDir Path dir) {
        Dataset train = MnistReader.read(SUBSET, "train");
        try (TrainingRun run = TrainingRun.start(config(4), train)) {
            run.trainStep();
            run.trainStep();
            var manifest = run.writeEmaCheckpoint(dir.resolve("ckpt"), "v2");
            assertTrue(manifest.ema());
            assertEquals(2, manifest.trainingStep());
            try (NDManager m = NDManager.newBaseManager();
                 NcsnScoreNetwork fresh = NcsnScoreNetwork.create(SMALL, NoiseSchedule.IMAGES, m, 99)) {
                Checkpoint.read(dir.resolve("ckpt"), SMALL, NoiseSchedule.IMAGES).loadInto(fresh);
                Map<String, float[]> ema = run.emaNetwork().parameterValues();
                fresh.parameterValues().forEach((name, v) -> assertArrayEquals(ema.get(name), v, name));
            }
        }
    }

    @Test
    void dataOfTheWrongShapeIsRefused() {
        Dataset train = MnistReader.read(SUBSET, "train");
        var cifar = new TrainingConfig("x", new Architecture("custom", 3, 32, 4, 10), NoiseSchedule.IMAGES,
                TrainingConfig.Objective.DSM, 4, 1e-3, 0.999, 1, false);
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.start(cifar, train));
        assertTrue(e.getMessage().contains("1×28×28"), e.getMessage());
    }
}
