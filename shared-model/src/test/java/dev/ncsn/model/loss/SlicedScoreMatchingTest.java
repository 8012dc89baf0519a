package dev.ncsn.model.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.toy.ToyScoreNetwork;
import dev.ncsn.model.train.Adam;
import dev.ncsn.model.train.NoGrad;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlicedScoreMatchingTest {

    private static final NoiseSchedule SCHEDULE = new NoiseSchedule(3.0, 0.5, 4);
    private final SlicedScoreMatching ssm = new SlicedScoreMatching();
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

    /** σ²(½‖a·x̃‖² + a‖v‖²) per sample for s = a·x, in double. */
    private static double[] handComputed(double[] slope, float[] data, Perturbation p, float[] v, int d) {
        double[] out = new double[p.batchSize()];
        for (int i = 0; i < out.length; i++) {
            double sigma = SCHEDULE.sigma(p.levels()[i]);
            double a = slope[p.levels()[i]];
            double s2 = 0;
            double v2 = 0;
            for (int j = 0; j < d; j++) {
                double noisy = data[i * d + j] + sigma * p.noise()[i * d + j];
                s2 += a * noisy * a * noisy;
                v2 += (double) v[i * d + j] * v[i * d + j];
            }
            out[i] = sigma * sigma * (0.5 * s2 + a * v2);
        }
        return out;
    }

    @Test
    void exactScoreGivesTheHandComputedValueWithForwardModeAndWithFiniteDifferences() {
        int n = 9;
        int d = 3;
        double tau = 1.5;
        SplittableRandom random = new SplittableRandom(7);
        float[] data = gaussian(random, n * d, tau);
        Perturbation p = Perturbation.draw(n, d, SCHEDULE.levels(), random);
        float[] v = SlicedScoreMatching.drawProjections(n, d, random);
        LinearScore exact = LinearScore.gaussian(SCHEDULE, new Shape(d), tau, 1.0);
        NDArray x = manager.create(data, new Shape(n, d));

        double[] expected = handComputed(exact.slope, data, p, v, d);
        assertTrue(SlicedScoreMatching.isExactFor(exact));
        assertFalse(SlicedScoreMatching.isExactFor(exact.plain()));
        float[] forward = ssm.perSampleLoss(exact, x, p, v).toFloatArray();
        float[] differences = ssm.perSampleLoss(exact.plain(), x, p, v).toFloatArray();
        for (int i = 0; i < n; i++) {
            double tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], forward[i], tolerance, "forward mode, sample " + i);
            // float32 rounding of x̃ ± εv is the only error of a central difference on a linear score
            assertEquals(expected[i], differences[i], 1e-3 * Math.max(1, Math.abs(expected[i])),
                    "finite differences, sample " + i);
        }
    }

    @Test
    void expectedLossOfTheExactScoreIsTheAnalyticMinimum() {
        // E σ²(½a²‖x̃‖² + a‖v‖²) = σ²·d·(½a²(τ²+σ²) + a), minimal at a = −1/(τ²+σ²) with value −½·d·σ²/(τ²+σ²)
        int n = 40_000;
        int d = 2;
        double tau = 1.5;
        SplittableRandom random = new SplittableRandom(8);
        NDArray x = manager.create(gaussian(random, n * d, tau), new Shape(n, d));
        Perturbation p = Perturbation.balanced(n, d, SCHEDULE.levels(), random);
        float[] v = SlicedScoreMatching.drawProjections(n, d, random);
        PerLevelLoss exact = PerLevelLoss.of(
                ssm.perSampleLoss(LinearScore.gaussian(SCHEDULE, new Shape(d), tau, 1.0), x, p, v),
                p.levels(), SCHEDULE.levels());
        for (int l = 0; l < SCHEDULE.levels(); l++) {
            double s2 = SCHEDULE.sigma(l) * SCHEDULE.sigma(l);
            double minimum = -0.5 * d * s2 / (tau * tau + s2);
            assertEquals(minimum, exact.mean()[l], 0.04 * Math.abs(minimum), "level " + l);
        }
        for (double factor : new double[] {0.6, 1.4}) {
            PerLevelLoss off = PerLevelLoss.of(
                    ssm.perSampleLoss(LinearScore.gaussian(SCHEDULE, new Shape(d), tau, factor), x, p, v),
                    p.levels(), SCHEDULE.levels());
            for (int l = 0; l < SCHEDULE.levels(); l++) {
                assertTrue(off.mean()[l] > exact.mean()[l], "factor " + factor + " level " + l);
            }
        }
    }

    @Test
    void finiteDifferencesAgreeWithForwardModeOnTheToyNetwork() {
        int n = 32;
        try (ToyScoreNetwork net = new ToyScoreNetwork(SCHEDULE, 32, 3)) {
            SplittableRandom random = new SplittableRandom(9);
            NDArray x = manager.create(gaussian(random, n * 2, 2.0), new Shape(n, 2));
            Perturbation p = Perturbation.draw(n, 2, SCHEDULE.levels(), random);
            float[] v = SlicedScoreMatching.drawProjections(n, 2, random);
            ScoreModel plain = new ScoreModel() {
                @Override
                public Shape sampleShape() {
                    return net.sampleShape();
                }

                @Override
                public NoiseSchedule schedule() {
                    return net.schedule();
                }

                @Override
                public NDArray score(NDArray xs, NDArray levels) {
                    return net.score(xs, levels);
                }
            };
            try (NoGrad ignored = NoGrad.enter()) {
                float[] exact = ssm.perSampleLoss(net, x, p, v).toFloatArray();
                float[] approx = ssm.perSampleLoss(plain, x, p, v).toFloatArray();
                for (int i = 0; i < n; i++) {
                    assertEquals(exact[i], approx[i], 2e-3 * Math.max(1, Math.abs(exact[i])), "sample " + i);
                }
            }
        }
    }

    @Test
    void trainingWithSlicedScoreMatchingLearnsTheScoreOfAGaussian() {
        double[] mean = {1.0, -2.0};
        double tau = 1.5;
        int batch = 128;
        SplittableRandom data = new SplittableRandom(10);
        // a fixed held-out set: its loss at the true score is −½·d·σ²/(τ² + σ²) averaged over the levels
        int heldOut = 4000;
        float[] heldOutData = new float[heldOut * 2];
        for (int i = 0; i < heldOut; i++) {
            heldOutData[2 * i] = (float) (mean[0] + tau * data.nextGaussian());
            heldOutData[2 * i + 1] = (float) (mean[1] + tau * data.nextGaussian());
        }
        Perturbation heldOutNoise = Perturbation.balanced(heldOut, 2, SCHEDULE.levels(), data);
        float[] heldOutProjections = SlicedScoreMatching.drawProjections(heldOut, 2, data);
        double minimum = 0;
        for (int l = 0; l < SCHEDULE.levels(); l++) {
            double s2 = SCHEDULE.sigma(l) * SCHEDULE.sigma(l);
            minimum -= s2 / (tau * tau + s2) / SCHEDULE.levels();
        }
        NDArray heldOutX = manager.create(heldOutData, new Shape(heldOut, 2));
        try (ToyScoreNetwork net = new ToyScoreNetwork(SCHEDULE, 32, 4); Adam adam = new Adam(3e-3, 0.9, 0.999, 1e-8)) {
            double before;
            try (NoGrad ignored = NoGrad.enter()) {
                before = ssm.perSampleLoss(net, heldOutX, heldOutNoise, heldOutProjections).mean().getFloat();
            }
            int steps = 1500;
            for (int step = 0; step < steps; step++) {
                float[] xs = new float[batch * 2];
                for (int i = 0; i < batch; i++) {
                    xs[2 * i] = (float) (mean[0] + tau * data.nextGaussian());
                    xs[2 * i + 1] = (float) (mean[1] + tau * data.nextGaussian());
                }
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray x = stepManager.create(xs, new Shape(batch, 2));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(ssm.loss(net, x, new SplittableRandom(1000L + step)));
                    }
                    adam.step(net.parameters());
                }
            }
            double after;
            try (NoGrad ignored = NoGrad.enter()) {
                after = ssm.perSampleLoss(net, heldOutX, heldOutNoise, heldOutProjections).mean().getFloat();
            }
            assertTrue(after < before - 0.2, "held-out loss went from " + before + " to " + after);
            assertEquals(minimum, after, 0.05, "held-out loss " + after + ", minimum " + minimum);

            // the optimum: s(x, σ) = −(x − μ)/(τ² + σ²); compare σ·s, which is of order one at every level
            float[] points = {1f, -2f, 2.5f, -1f, -0.5f, -3f, 1f, 0f, 2f, -3.5f};
            int k = points.length / 2;
            for (int l = 0; l < SCHEDULE.levels(); l++) {
                double sigma = SCHEDULE.sigma(l);
                long[] levels = new long[k];
                java.util.Arrays.fill(levels, l);
                float[] s;
                try (NoGrad ignored = NoGrad.enter()) {
                    s = net.score(manager.create(points, new Shape(k, 2)), manager.create(levels)).toFloatArray();
                }
                double c = tau * tau + sigma * sigma;
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < 2; j++) {
                        double expected = -(points[2 * i + j] - mean[j]) / c;
                        assertEquals(sigma * expected, sigma * s[2 * i + j], 0.15,
                                "level " + l + " point " + i + " coordinate " + j);
                    }
                }
            }
        }
    }

    @Test
    void randomnessComesOnlyFromTheGivenGenerator() {
        LinearScore model = LinearScore.gaussian(SCHEDULE, new Shape(2), 1.0, 0.8);
        NDArray x = manager.create(gaussian(new SplittableRandom(11), 20, 1.0), new Shape(10, 2));
        Engine.getInstance().setRandomSeed(1);
        float a = ssm.loss(model, x, new SplittableRandom(5)).getFloat();
        Engine.getInstance().setRandomSeed(2);
        float b = ssm.loss(model, x, new SplittableRandom(5)).getFloat();
        assertEquals(a, b, 0f);
        SplittableRandom r = new SplittableRandom(5);
        Perturbation p = Perturbation.draw(10, 2, SCHEDULE.levels(), r);
        float[] v = SlicedScoreMatching.drawProjections(10, 2, r);
        assertEquals(a, ssm.perSampleLoss(model, x, p, v).mean().getFloat(), 0f);
    }
}
