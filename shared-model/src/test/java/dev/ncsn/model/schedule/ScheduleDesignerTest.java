package dev.ncsn.model.schedule;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.data.ByteDataset;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NCSNv2's Techniques 1, 2 and 4 against numbers computed independently: the expected values below were computed
 * with Python's math.erf (bisection for γ, a 400,000-point scan of log ε for Technique 4) and by brute force, and
 * compared with the reference's configurations (ermongroup/ncsnv2 configs/*.yml).
 */
class ScheduleDesignerTest {

    private static final int CIFAR10_DIMENSION = 3 * 32 * 32;

    @Test
    void technique2AtThePapersCoverageGives220LevelsForCifar10AndTheReferences232LevelsMeanAbout057() {
        assertEquals(1.0397964165056566, ScheduleDesigner.ratioFor(CIFAR10_DIMENSION, 0.5), 1e-9);
        assertEquals(220, ScheduleDesigner.levelsFor(50, 0.01, CIFAR10_DIMENSION, 0.5));
        // configs/cifar10.yml: σ1 = 50, σL = 0.01, 232 levels, i.e. γ = 5000^(1/231)
        double referenceRatio = Math.pow(50 / 0.01, 1.0 / 231);
        assertEquals(0.5669658815368148, ScheduleDesigner.coverage(referenceRatio, CIFAR10_DIMENSION), 1e-9);
        assertEquals(232, ScheduleDesigner.levelsFor(50, 0.01, CIFAR10_DIMENSION, 0.5669));
        // CelebA 64×64 (σ1 = 90, 500 levels), LSUN bedroom 128×128 (190, 1086), FFHQ 256×256 (348, 2311): the same C
        assertEquals(0.5669, ScheduleDesigner.coverage(Math.pow(9000, 1.0 / 499), 12288), 1e-4);
        assertEquals(0.5665, ScheduleDesigner.coverage(Math.pow(19000, 1.0 / 1085), 49152), 1e-4);
        assertEquals(0.5669, ScheduleDesigner.coverage(Math.pow(34800, 1.0 / 2310), 196608), 1e-4);
    }

    @Test
    void coverageFallsAsTheRatioGrows() {
        assertEquals(0.9973, ScheduleDesigner.coverage(1.0, 784), 1e-4); // Φ(3) − Φ(−3)
        double previous = 1;
        for (double g = 1.0; g < 1.3; g += 0.01) {
            double c = ScheduleDesigner.coverage(g, 784);
            assertTrue(c < previous, "C(" + g + ")");
            previous = c;
        }
        assertThrows(IllegalArgumentException.class, () -> ScheduleDesigner.ratioFor(784, 0.999));
    }

    @Test
    void technique4GivesTheReferenceStepSizes() {
        // configs: cifar10 step_lr 6.2e-6 at T = 5, celeba 3.3e-6 at 5, bedroom 1.8e-6 at 3, ffhq 0.9e-6 at 3
        assertEpsilon(6.184007e-6, 6.2e-6, Math.pow(5000, 1.0 / 231), 5, 1.055475);
        assertEpsilon(3.336875e-6, 3.3e-6, Math.pow(9000, 1.0 / 499), 5, 1.031354);
        assertEpsilon(1.767543e-6, 1.8e-6, Math.pow(19000, 1.0 / 1085), 3, 1.017372);
        assertEpsilon(8.932438e-7, 0.9e-6, Math.pow(34800, 1.0 / 2310), 3, 1.008854);
    }

    private static void assertEpsilon(double independent, double reference, double gamma, int steps, double ratio) {
        double epsilon = ScheduleDesigner.epsilonFor(gamma, steps, 0.01);
        assertEquals(independent, epsilon, 1e-4 * independent);
        assertEquals(reference, epsilon, 0.05 * reference, "the reference's step_lr, to its two digits");
        assertEquals(ratio, ScheduleDesigner.varianceRatio(epsilon, gamma, steps, 0.01), 1e-5);
    }

    @Test
    void technique1FindsTheFarthestPairAcrossBlocks() {
        int n = 2100; // more than one 2048-image block
        int d = 6;
        byte[] pixels = new byte[n * d];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (60 + r.nextInt(120));
        }
        for (int k = 0; k < d; k++) {
            pixels[17 * d + k] = 0;
            pixels[2090 * d + k] = (byte) (k % 2 == 0 ? 255 : 250);
        }
        ByteDataset data = new ByteDataset("synthetic", n, 1, 2, 3, pixels);
        ScheduleDesigner.FarthestPair pair = ScheduleDesigner.farthestPair(data);
        assertEquals(17, pair.first());
        assertEquals(2090, pair.second());
        assertEquals(bruteForceLargestDistance(data), pair.distance(), 1e-12);
        assertEquals(Math.sqrt(3 * 1.0 + 3 * (250 / 255.0) * (250 / 255.0)), pair.distance(), 1e-6); // pixels are float32
    }

    @Test
    void technique1OnRandomDataAgreesWithBruteForce() {
        int n = 300;
        byte[] pixels = new byte[n * 16];
        new SplittableRandom(4).nextBytes(pixels);
        ByteDataset data = new ByteDataset("random", n, 1, 4, 4, pixels);
        assertEquals(bruteForceLargestDistance(data), ScheduleDesigner.farthestPair(data).distance(), 1e-12);
    }

    @Test
    void aDesignCarriesEveryRulesValue() {
        // Fashion-MNIST's dimension and farthest pair (./ncsn schedule on its 60,000 training images)
        var d = ScheduleDesigner.design(60_000, 784, new ScheduleDesigner.FarthestPair(39009, 55023, 22.456102314565566),
                0.01, 0.5, 5);
        assertEquals(new NoiseSchedule(22.456102314565566, 0.01, 99), d.schedule());
        assertEquals(1.0819717378029585, d.ratioForTarget(), 1e-9);
        assertTrue(d.ratio() <= d.ratioForTarget() && d.coverage() >= 0.5);
        assertEquals(1.11012e-5, d.epsilonNcsnv2(), 1e-3 * 1.11012e-5);
        assertEquals(2 * d.epsilonNcsnv2(), d.stepSize(), 0);
        assertThrows(IllegalArgumentException.class, () -> ScheduleDesigner.design(2, 4,
                new ScheduleDesigner.FarthestPair(0, 1, 0.0), 0.01, 0.5, 5));
    }

    private static double bruteForceLargestDistance(ByteDataset data) {
        double best = 0;
        for (int i = 0; i < data.size(); i++) {
            float[] a = data.image(i);
            for (int j = i + 1; j < data.size(); j++) {
                float[] b = data.image(j);
                double s = 0;
                for (int k = 0; k < a.length; k++) {
                    double diff = (double) a[k] - b[k];
                    s += diff * diff;
                }
                best = Math.max(best, Math.sqrt(s));
            }
        }
        return best;
    }
}
