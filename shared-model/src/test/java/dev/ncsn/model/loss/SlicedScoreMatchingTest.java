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
import dev.ncsn.model.train.ExponentialMovingAverage;
import dev.ncsn.model.train.NoGrad;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlicedScoreMatchingTest {

    private static final NoiseSchedule SCHEDULE = new NoiseSchedule(3.0, 0.5, 4);
    private final SlicedScoreMatching ssm = new SlicedScoreMatching();
    private static int threads;
    private NDManager manager;

    /** One intra-op thread: tiny tensors, and two threads thrash on a busy 2-core machine (see ToyScoreNetworkTest). */
    @BeforeAll
    static void singleThread() {
        Engine.getInstance();
        threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        JniUtils.setNumThreads(threads);
    }

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

    /**
     * Sliced score matching (forward-mode vᵀJv) with Adam trains the toy network to the score of N(μ, τ²I) blurred at
     * each level, −(x − μ)/(τ² + σ²): the held-out loss falls to that of the true score, and σ·s matches at a few
     * points. The weights checked are an EMA of rate 0.99, which removes most of Adam's step-to-step noise.
     */
    @Test
    void trainingWithSlicedScoreMatchingLearnsTheScoreOfAGaussian() {
        double[] mean = {1.0, -2.0};
        double tau = 1.5;
        int batch = 128;
        SplittableRandom data = new SplittableRandom(10);
        // a fixed held-out set (its expected loss at the true score is −½·d·σ²/(τ² + σ²), averaged over the levels)
        int heldOut = 4000;
        float[] heldOutData = new float[heldOut * 2];
        for (int i = 0; i < heldOut; i++) {
            heldOutData[2 * i] = (float) (mean[0] + tau * data.nextGaussian());
            heldOutData[2 * i + 1] = (float) (mean[1] + tau * data.nextGaussian());
        }
        Perturbation heldOutNoise = Perturbation.balanced(heldOut, 2, SCHEDULE.levels(), data);
        float[] heldOutProjections = SlicedScoreMatching.drawProjections(heldOut, 2, data);
        // the same held-out loss of the true score −(x̃ − μ)/c, c = τ² + σ²: σ²(½‖x̃ − μ‖²/c² − ‖v‖²/c)
        double exactHeldOut = 0;
        for (int i = 0; i < heldOut; i++) {
            double sigma = SCHEDULE.sigma(heldOutNoise.levels()[i]);
            double c = tau * tau + sigma * sigma;
            double sum = 0;
            for (int j = 0; j < 2; j++) {
                double centred = heldOutData[2 * i + j] + sigma * heldOutNoise.noise()[2 * i + j] - mean[j];
                double v = heldOutProjections[2 * i + j];
                sum += 0.5 * centred * centred / (c * c) - v * v / c;
            }
            exactHeldOut += sigma * sigma * sum / heldOut;
        }
        NDArray heldOutX = manager.create(heldOutData, new Shape(heldOut, 2));
        try (ToyScoreNetwork net = new ToyScoreNetwork(SCHEDULE, 32, 4); Adam adam = new Adam(3e-3, 0.9, 0.999, 1e-8);
             ExponentialMovingAverage ema = new ExponentialMovingAverage(net.parameters(), 0.99)) {
            double before;
            try (NoGrad ignored = NoGrad.enter()) {
                before = ssm.perSampleLoss(net, heldOutX, heldOutNoise, heldOutProjections).mean().getFloat();
            }
            int steps = 1000;
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
                    ema.update(net.parameters());
                }
            }
            ema.copyTo(net);
            double after;
            try (NoGrad ignored = NoGrad.enter()) {
                after = ssm.perSampleLoss(net, heldOutX, heldOutNoise, heldOutProjections).mean().getFloat();
            }
            System.out.printf("toy SSM on a Gaussian: held-out loss %.3f → %.3f after %d steps (true score: %.3f)%n",
                    before, after, steps, exactHeldOut);
            assertTrue(after < before - 0.3, "held-out loss went from " + before + " to " + after);
            assertEquals(exactHeldOut, after, 0.01, "held-out loss " + after + ", of the true score " + exactHeldOut);

            // the optimum: s(x, σ) = −(x − μ)/(τ² + σ²); compare σ·s, which is of order one at every level
            float[] points = {1f, -2f, 2.5f, -1f, -0.5f, -3f, 1f, 0f, 2f, -3.5f};
            double worstError = 0;
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
                        worstError = Math.max(worstError, Math.abs(sigma * (s[2 * i + j] - expected)));
                        assertEquals(sigma * expected, sigma * s[2 * i + j], 0.1,
                                "level " + l + " point " + i + " coordinate " + j);
                    }
                }
            }
            System.out.printf("toy SSM on a Gaussian: largest σ·|s − s*| at the check points %.3f%n", worstError);
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
