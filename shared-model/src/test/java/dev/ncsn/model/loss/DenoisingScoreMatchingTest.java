package dev.ncsn.model.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DenoisingScoreMatchingTest {

    private static final NoiseSchedule SCHEDULE = new NoiseSchedule(10.0, 0.1, 5);
    private final DenoisingScoreMatching dsm = new DenoisingScoreMatching();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[] gaussian(SplittableRandom random, int count, double std) {
        float[] v = new float[count];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * random.nextGaussian());
        }
        return v;
    }

    @Test
    void fixedLevelsAndNoiseMatchAHandComputation() {
        int n = 7;
        int d = 3;
        SplittableRandom random = new SplittableRandom(1);
        float[] data = gaussian(random, n * d, 2.0);
        Perturbation p = Perturbation.draw(n, d, SCHEDULE.levels(), random);
        double[] slope = {-0.3, 0.7, -2.0, 1.5, -11.0};
        LinearScore model = new LinearScore(SCHEDULE, new Shape(d), slope);

        NDArray x = manager.create(data, new Shape(n, d));
        float[] perSample = dsm.perSampleLoss(model, x, p).toFloatArray();
        float mean = dsm.loss(model, x, p).getFloat();

        double total = 0;
        for (int i = 0; i < n; i++) {
            double sigma = SCHEDULE.sigma(p.levels()[i]);
            double a = slope[p.levels()[i]];
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double z = p.noise()[i * d + j];
                double noisy = data[i * d + j] + sigma * z;
                // λ(σ)/2 · ‖s(x̃) + (x̃ − x)/σ²‖² with λ = σ², the paper's form
                double r = a * noisy + (noisy - data[i * d + j]) / (sigma * sigma);
                sum += r * r;
            }
            double expected = 0.5 * sigma * sigma * sum;
            assertEquals(expected, perSample[i], 2e-5 * Math.max(1, expected), "sample " + i);
            total += expected;
        }
        assertEquals(total / n, mean, 2e-5 * Math.max(1, total / n));
    }

    @Test
    void exactScoreOfAGaussianAttainsTheAnalyticMinimumAndBeatsPerturbedScores() {
        int n = 40_000;
        int d = 2;
        double tau = 2.0;
        SplittableRandom random = new SplittableRandom(2);
        NDArray x = manager.create(gaussian(random, n * d, tau), new Shape(n, d));
        Perturbation p = Perturbation.balanced(n, d, SCHEDULE.levels(), random);

        PerLevelLoss exact = PerLevelLoss.of(dsm.perSampleLoss(LinearScore.gaussian(SCHEDULE, new Shape(d), tau, 1.0),
                x, p), p.levels(), SCHEDULE.levels());
        for (double factor : new double[] {0.7, 1.3}) {
            LinearScore off = LinearScore.gaussian(SCHEDULE, new Shape(d), tau, factor);
            PerLevelLoss perturbed = PerLevelLoss.of(dsm.perSampleLoss(off, x, p), p.levels(), SCHEDULE.levels());
            for (int l = 0; l < SCHEDULE.levels(); l++) {
                double s2 = SCHEDULE.sigma(l) * SCHEDULE.sigma(l);
                double a = off.slope[l];
                // E ½‖σ·a·x̃ + z‖² = ½·d·(σ²a²τ² + (σ²a + 1)²) for x ~ N(0, τ²I)
                double closedForm = 0.5 * d * (s2 * a * a * tau * tau + Math.pow(s2 * a + 1, 2));
                assertEquals(closedForm, perturbed.mean()[l], 0.03 * closedForm, "level " + l + " factor " + factor);
                assertTrue(perturbed.mean()[l] > exact.mean()[l], "level " + l + " factor " + factor);
            }
        }
        for (int l = 0; l < SCHEDULE.levels(); l++) {
            double s2 = SCHEDULE.sigma(l) * SCHEDULE.sigma(l);
            double minimum = 0.5 * d * tau * tau / (tau * tau + s2);
            assertEquals(n / SCHEDULE.levels(), exact.count()[l]);
            // per-sample loss is ½·minimum/d·χ²_d-like: relative std ≈ 1/√(count) → 3% is > 4 standard errors
            assertEquals(minimum, exact.mean()[l], 0.03 * minimum, "level " + l);
        }
    }

    @Test
    void randomnessComesOnlyFromTheGivenGenerator() {
        int n = 16;
        SplittableRandom data = new SplittableRandom(3);
        NDArray x = manager.create(gaussian(data, n * 2, 1.0), new Shape(n, 2));
        LinearScore model = LinearScore.gaussian(SCHEDULE, new Shape(2), 1.0, 0.5);

        Engine.getInstance().setRandomSeed(11);
        float first = dsm.loss(model, x, new SplittableRandom(42)).getFloat();
        Engine.getInstance().setRandomSeed(12);
        manager.randomNormal(new Shape(100)).close();
        float second = dsm.loss(model, x, new SplittableRandom(42)).getFloat();
        float other = dsm.loss(model, x, new SplittableRandom(43)).getFloat();
        assertEquals(first, second, 0f);
        assertNotEquals(first, other);

        // the documented draw order: levels first, then the noise
        SplittableRandom a = new SplittableRandom(42);
        Perturbation p = Perturbation.draw(n, 2, SCHEDULE.levels(), a);
        assertEquals(first, dsm.loss(model, x, p).getFloat(), 0f);
        SplittableRandom b = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            assertEquals(b.nextInt(SCHEDULE.levels()), p.levels()[i]);
        }
        assertEquals((float) b.nextGaussian(), p.noise()[0]);
    }

    @Test
    void perLevelBreakdownGroupsSamples() {
        PerLevelLoss pl = PerLevelLoss.of(new float[] {1, 2, 3, 10}, new int[] {0, 2, 0, 2}, 4);
        assertArrayEquals(new int[] {2, 0, 2, 0}, pl.count());
        assertEquals(2.0, pl.mean()[0]);
        assertEquals(6.0, pl.mean()[2]);
        assertTrue(Double.isNaN(pl.mean()[1]));
    }

    @Test
    void rejectsBatchesThatDoNotFit() {
        LinearScore model = LinearScore.gaussian(SCHEDULE, new Shape(2), 1.0, 1.0);
        NDArray x = manager.zeros(new Shape(4, 2));
        SplittableRandom r = new SplittableRandom(0);
        assertThrows(IllegalArgumentException.class,
                () -> dsm.loss(model, x, Perturbation.draw(3, 2, SCHEDULE.levels(), r)));
        assertThrows(IllegalArgumentException.class,
                () -> dsm.loss(model, x, Perturbation.draw(4, 2, SCHEDULE.levels() + 1, r).levels().length == 4
                        ? new Perturbation(new int[] {0, 1, 2, SCHEDULE.levels()}, new float[8]) : null));
        assertThrows(IllegalArgumentException.class,
                () -> dsm.loss(model, manager.zeros(new Shape(4, 3)), r));
        assertThrows(IllegalArgumentException.class, () -> new Perturbation(new int[] {0, 0}, new float[3]));
    }

    @Test
    void temporariesAreReleased() {
        LinearScore model = LinearScore.gaussian(SCHEDULE, new Shape(2), 1.0, 1.0);
        NDArray x = manager.zeros(new Shape(8, 2));
        int before = manager.getManagedArrays().size();
        NDArray loss = dsm.loss(model, x, new SplittableRandom(5));
        assertEquals(before + 1, manager.getManagedArrays().size());
        loss.close();
    }
}
