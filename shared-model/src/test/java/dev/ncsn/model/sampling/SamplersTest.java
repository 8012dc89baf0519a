package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.GaussianMixtureScore;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.toy.ToyExperiment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every registered sampler against exact scores: a Gaussian with known moments and the paper's Figure 3 mixture. */
class SamplersTest {

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * N(0.5·1, I) in 256 dimensions, blurred over σ from 10 to 0.1: enough dimensions for the norms in the
     * predictor–corrector's per-sample step size to concentrate, as they do for images (in few dimensions the
     * step grows where ‖s‖ is small, near the mean, and the corrector then widens the distribution).
     */
    private static final int DIM = 256;
    private static final double MEAN = 0.5;
    private static final GaussianMixture GAUSSIAN = new GaussianMixture(List.of(
            new GaussianMixture.Component(1.0, filled(DIM, MEAN), 1.0)));
    private static final NoiseSchedule GAUSSIAN_LEVELS = new NoiseSchedule(10, 0.1, 10);

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Uniform start on [μ − 3, μ + 3]: centred, so a deterministic sampler's start carries no offset. */
    private static SamplingSpec gaussianSpec(Sampler sampler, int stepsPerLevel, double epsilon) {
        return new SamplingSpec(1000, 5, sampler, stepsPerLevel, epsilon, 0, false, stepsPerLevel, MEAN - 3, MEAN + 3);
    }

    /** Runs a spec on the exact Gaussian score and checks every coordinate's mean and the pooled standard deviation. */
    private static void assertMoments(SamplingSpec spec, double expectedStd) {
        float[] x = new SamplingRunner(new GaussianMixtureScore(GAUSSIAN, GAUSSIAN_LEVELS))
                .sample(spec, null, FrameListener.NONE, manager);
        int n = x.length / DIM;
        double pooled = 0;
        double grandMean = 0;
        for (int j = 0; j < DIM; j++) {
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                sum += x[DIM * i + j];
                sq += x[DIM * i + j] * x[DIM * i + j];
            }
            double mean = sum / n;
            assertEquals(MEAN, mean, 0.16, spec.sampler() + " mean of coordinate " + j);
            grandMean += mean / DIM;
            pooled += sq / n - mean * mean;
        }
        assertEquals(MEAN, grandMean, 0.02, spec.sampler() + " mean");
        assertEquals(expectedStd, Math.sqrt(pooled / DIM), 0.03 * expectedStd, spec.sampler() + " std");
    }

    @Test
    void annealedLangevinReachesTheGaussianPlusTheLastLevelsNoise() {
        assertMoments(gaussianSpec(new AnnealedLangevin(), 30, 3e-2), Math.sqrt(1 + 0.01));
    }

    @Test
    void plainLangevinReachesAUnimodalGaussian() {
        assertMoments(gaussianSpec(new Langevin(), 30, 0.05), Math.sqrt(1 + 0.01));
    }

    @Test
    void predictorCorrectorEndsOnTheNoiseFreeGaussian() {
        assertMoments(gaussianSpec(new PredictorCorrector(0.16, 1), 20, 1e-3), 1.0);
    }

    @Test
    void predictorAloneAndWithMoreCorrectorStepsAlsoEndOnIt() {
        assertMoments(gaussianSpec(new PredictorCorrector(0.16, 0), 20, 1e-3), 1.0);
        assertMoments(gaussianSpec(new PredictorCorrector(0.1, 3), 5, 1e-3), 1.0);
    }

    @Test
    void probabilityFlowTransportsThePriorOntoTheGaussian() {
        assertMoments(gaussianSpec(new ProbabilityFlow(false), 20, 1e-3), 1.0);
        assertMoments(gaussianSpec(new ProbabilityFlow(true), 3, 1e-3), 1.0);
    }

    @Test
    void ancestralSamplingEndsOnTheGaussian() {
        assertMoments(gaussianSpec(new Ancestral(), 20, 1e-3), 1.0);
    }

    @Test
    void consistentAnnealedSamplingFollowsItsVarianceRecursion() {
        // On a Gaussian every step is linear: with s = −(x − μ)/(1 + σn²), the variance after step n is
        // v·(1 − ηn/(1 + σn²))² + β²·σn+1², from the start's 3 + σ1² (uniform of width 6, plus σ1·z). CAS keeps the
        // noise at each level's σ exactly only while σ dominates the data's own spread, so the end is near 1, not 1.
        double epsilon = 4e-3;
        int t = 20;
        double[] sigmas = SigmaGrid.of(GAUSSIAN_LEVELS, 0, true).fine(t);
        double delta = epsilon / (2 * 0.1 * 0.1);
        double v = 3 + sigmas[0] * sigmas[0];
        for (int n = 0; n < sigmas.length; n++) {
            double shrink = 1 - delta * sigmas[n] * sigmas[n] / (1 + sigmas[n] * sigmas[n]);
            double next = n + 1 < sigmas.length ? sigmas[n + 1] : 0;
            double beta2 = next == 0 ? 0 : 1 - Math.pow((1 - delta) * sigmas[n] / next, 2);
            v = v * shrink * shrink + beta2 * next * next;
        }
        assertEquals(1.0, Math.sqrt(v), 0.1, "the recursion itself ends near the data's spread");
        assertMoments(gaussianSpec(new ConsistentAnnealed(), t, epsilon), Math.sqrt(v));
    }

    @Test
    void walkJumpEndsOnTweediesEstimateFromItsLevel() {
        // Langevin at σJ reaches N(μ, (1 + σJ²)·I); the jump x + σJ²·s maps it to N(μ, 1/(1 + σJ²)·I).
        double sigma = GAUSSIAN_LEVELS.sigma(4);
        assertMoments(gaussianSpec(new WalkJump(5), 20, 1e-3), 1 / Math.sqrt(1 + sigma * sigma));
    }

    private static SamplingSpec toy(Sampler sampler, int stepsPerLevel) {
        return ToyExperiment.spec(sampler, 4000, 1).withStepsPerLevel(stepsPerLevel);
    }

    /**
     * Figure 3's mixture with σ1 = 100 instead of 20: a deterministic sampler keeps whatever its start gets wrong,
     * and a start from noise at σ1 = 20 around [−8, 8]² is off-centre by 0.15·σ1 (PF then gives 0.26).
     */
    private static final NoiseSchedule WIDE = new NoiseSchedule(100, 1, 10);

    private static double lowerLeft(SamplingSpec spec, NoiseSchedule levels) {
        var runner = new SamplingRunner(new GaussianMixtureScore(GaussianMixture.paperToy(), levels));
        return ToyExperiment.measure(runner.sample(spec, null, FrameListener.NONE, manager)).lowerLeftFraction();
    }

    @Test
    void everySamplerButPlainLangevinRecoversTheMixtureWeights() {
        Map<Sampler, Integer> samplers = new java.util.LinkedHashMap<>();
        samplers.put(new PredictorCorrector(0.16, 0), 10);
        samplers.put(new ProbabilityFlow(false), 10);
        samplers.put(new ProbabilityFlow(true), 5);
        samplers.put(new Ancestral(), 10);
        samplers.put(new ConsistentAnnealed(), 10);
        StringBuilder all = new StringBuilder();
        boolean ok = true;
        for (Map.Entry<Sampler, Integer> e : samplers.entrySet()) {
            double f = lowerLeft(toy(e.getKey(), e.getValue()), WIDE);
            all.append(e.getKey()).append(": ").append(f).append('\n');
            ok &= Math.abs(f - 0.2) <= 0.035;
        }
        double annealed = lowerLeft(toy(new AnnealedLangevin(), 100), NoiseSchedule.TOY);
        all.append("annealed Langevin on Figure 3's levels: ").append(annealed).append('\n');
        ok &= Math.abs(annealed - 0.2) <= 0.035;
        // Walk-jump needs a level that mixes the modes yet leaves the jump's posterior mean on one of them.
        double walkJump = lowerLeft(toy(new WalkJump(5), 10), NoiseSchedule.TOY);
        all.append("walk-jump at level 5 of Figure 3's levels: ").append(walkJump);
        ok &= Math.abs(walkJump - 0.2) <= 0.035;
        assertTrue(ok, all.toString());
        assertEquals(0.5, lowerLeft(toy(new Langevin(), 50), NoiseSchedule.TOY), 0.05,
                "plain Langevin keeps the uniform start's split");
    }

    @Test
    void predictorCorrectorRecoversTheWeightsOfTheMixtureInSixteenDimensions() {
        // Figure 3's mixture lifted to 16 dimensions (the same 1/5 : 4/5 weights, modes 20 apart). Per-sample
        // corrector steps ε = 2·(r·‖z‖/‖s‖)² need the norms to concentrate: in 2 dimensions ‖s‖ nearly vanishes
        // between the modes and the few samples there get huge steps (0.34 instead of 0.2 on Figure 3 itself).
        int d = 16;
        var mixture = new GaussianMixture(List.of(
                new GaussianMixture.Component(0.2, filled(d, -2.5), 1.0),
                new GaussianMixture.Component(0.8, filled(d, 2.5), 1.0)));
        var runner = new SamplingRunner(new GaussianMixtureScore(mixture, WIDE));
        SamplingSpec spec = new SamplingSpec(4000, 3, new PredictorCorrector(0.16, 1), 10, 0.1, 0, false, 10, -8, 8);
        float[] x = runner.sample(spec, null, FrameListener.NONE, manager);
        int lower = 0;
        for (int i = 0; i < 4000; i++) {
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += x[i * d + j];
            }
            lower += sum < 0 ? 1 : 0;
        }
        assertEquals(0.2, lower / 4000.0, 0.03);
    }

    @Test
    void aNetworkThatAcceptsAnySigmaMaySampleThroughMoreLevels() {
        // 30 levels instead of the trained 10, one step each.
        assertEquals(0.2, lowerLeft(toy(new Ancestral(), 1).withLevels(30), WIDE), 0.035);
    }

    // -------------------------------------------------------------------------------------------- the plumbing

    @Test
    void networkEvaluationsFollowFromStepsPerLevel() {
        var runner = new SamplingRunner(new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY));
        SamplingSpec base = ToyExperiment.spec(new AnnealedLangevin(), 1, 1).withStepsPerLevel(3);
        assertEquals(30, runner.networkEvaluations(base));
        assertEquals(31, runner.networkEvaluations(base.withFinalDenoise(true)));
        assertEquals(30, runner.networkEvaluations(base.withSampler(new Langevin())));
        assertEquals(30 * 3, runner.networkEvaluations(base.withSampler(new PredictorCorrector(0.16, 2))));
        assertEquals(30, runner.networkEvaluations(base.withSampler(new ProbabilityFlow(false))));
        assertEquals(59, runner.networkEvaluations(base.withSampler(new ProbabilityFlow(true))));
        assertEquals(30, runner.networkEvaluations(base.withSampler(new Ancestral())));
        assertEquals(31, runner.networkEvaluations(base.withSampler(new WalkJump(3))));
        assertEquals(60, runner.networkEvaluations(base.withSampler(new Ancestral()).withLevels(20)));
        SamplingJob job = runner.job(base.withSampler(new PredictorCorrector(0.16, 2)), null, FrameListener.NONE);
        runner.run(List.of(job), manager);
        assertEquals(90, job.completedEvaluations());
    }

    /** A level-indexed view of an exact score that records the levels each forward pass asked for. */
    private static final class LevelIndexed implements ScoreModel {
        final GaussianMixtureScore exact;
        final List<long[]> passes = new ArrayList<>();

        LevelIndexed(GaussianMixtureScore exact) {
            this.exact = exact;
        }

        @Override
        public Shape sampleShape() {
            return exact.sampleShape();
        }

        @Override
        public NoiseSchedule schedule() {
            return exact.schedule();
        }

        @Override
        public NDArray score(NDArray x, NDArray levels) {
            passes.add(levels.toLongArray());
            return exact.score(x, levels);
        }
    }

    @Test
    void aLevelIndexedNetworkIsEvaluatedAtTheNearestTrainedLevel() {
        var model = new LevelIndexed(new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY));
        var runner = new SamplingRunner(model);
        SamplingSpec spec = ToyExperiment.spec(new ProbabilityFlow(false), 1, 1).withStepsPerLevel(3);
        runner.sample(spec, null, FrameListener.NONE, manager);
        double[] trained = NoiseSchedule.TOY.sigmas();
        double[] fine = SigmaGrid.of(NoiseSchedule.TOY, 0, false).fine(3);
        assertEquals(fine.length, model.passes.size());
        for (int n = 0; n < fine.length; n++) {
            int nearest = 0;
            for (int j = 1; j < trained.length; j++) {
                if (Math.abs(Math.log(fine[n] / trained[j])) < Math.abs(Math.log(fine[n] / trained[nearest]))) {
                    nearest = j;
                }
            }
            assertEquals(nearest, model.passes.get(n)[0], "evaluation " + n + " at σ " + fine[n]);
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> runner.job(spec.withLevels(20), null, FrameListener.NONE));
        assertTrue(e.getMessage().contains("needs a network that accepts any σ"), e.getMessage());
    }

    @Test
    void jobsOnDifferentSamplersShareForwardPassesAndKeepTheirOwnResults() {
        var model = new LevelIndexed(new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY));
        var runner = new SamplingRunner(model);
        List<SamplingSpec> specs = List.of(
                ToyExperiment.spec(new AnnealedLangevin(), 20, 1).withStepsPerLevel(4),
                ToyExperiment.spec(new PredictorCorrector(0.16, 1), 10, 2).withStepsPerLevel(2),
                ToyExperiment.spec(new ProbabilityFlow(true), 5, 3).withStepsPerLevel(2).withFinalDenoise(true),
                ToyExperiment.spec(new WalkJump(4), 5, 4).withStepsPerLevel(1));
        List<float[]> alone = new ArrayList<>();
        int longest = 0;
        for (SamplingSpec spec : specs) {
            alone.add(runner.sample(spec, null, FrameListener.NONE, manager));
            longest = Math.max(longest, runner.networkEvaluations(spec));
        }
        model.passes.clear();
        List<SamplingJob> jobs = new ArrayList<>();
        for (SamplingSpec spec : specs) {
            jobs.add(runner.job(spec, null, FrameListener.NONE));
        }
        List<float[]> together = runner.run(jobs, manager);
        assertEquals(longest, model.passes.size(), "one forward pass per step of the longest job");
        assertEquals(40, model.passes.get(0).length, "the first pass holds every job's samples");
        for (int i = 0; i < specs.size(); i++) {
            assertArrayEquals(alone.get(i), together.get(i), specs.get(i).sampler().toString());
        }
    }

    @Test
    void theFinalDenoisingStepWrapsAnySampler() {
        var score = new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY);
        var runner = new SamplingRunner(score);
        SamplingSpec spec = ToyExperiment.spec(new PredictorCorrector(0.16, 1), 20, 11).withStepsPerLevel(2);
        float[] plain = runner.sample(spec, null, FrameListener.NONE, manager);
        List<Frame> frames = new ArrayList<>();
        float[] denoised = runner.sample(spec.withFinalDenoise(true), null, frames::add, manager);
        float[] s = new float[plain.length];
        for (int i = 0; i < 20; i++) {
            GaussianMixture.paperToy().perturbedScore(plain, 2 * i, NoiseSchedule.TOY.sigmaMin(), s);
        }
        for (int i = 0; i < s.length; i++) {
            assertEquals(plain[i] + s[i], denoised[i], 1e-4);
        }
        assertTrue(frames.get(frames.size() - 1).finalDenoise());
    }

    @Test
    void inpaintingWorksWithEverySampler() {
        var mixture = new GaussianMixture(List.of(
                new GaussianMixture.Component(0.5, new double[] {0.2, 0.2, 0.8, 0.8}, 0.05),
                new GaussianMixture.Component(0.5, new double[] {0.8, 0.8, 0.2, 0.2}, 0.05)));
        var runner = new SamplingRunner(new GaussianMixtureScore(mixture, NoiseSchedule.IMAGES));
        float[] observation = {0.21f, 0.5f, 0.5f, 0.79f};
        var task = new Inpainting(observation, new boolean[] {false, true, true, false});
        for (SamplerType type : Samplers.all()) {
            if (type.name().equals(Langevin.NAME)) {
                continue; // cannot leave its start's mode, with or without a mask
            }
            // Corrector steps need more than these 2 generated dimensions (see the Gaussian tests).
            Sampler sampler = type.name().equals(WalkJump.NAME) ? new WalkJump(6)
                    : type.name().equals(PredictorCorrector.NAME) ? new PredictorCorrector(0.16, 0) : type.create(null);
            double epsilon = type.name().equals(ConsistentAnnealed.NAME) ? 1e-4 : 5e-4;
            SamplingSpec spec = SamplingSpec.images(200, 17).withSampler(sampler).withStepsPerLevel(30)
                    .withEpsilon(epsilon);
            float[] result = runner.sample(spec, task, FrameListener.NONE, manager);
            int consistent = 0;
            for (int n = 0; n < 200; n++) {
                assertEquals(observation[0], result[4 * n], 0.0, type.name());
                assertEquals(observation[3], result[4 * n + 3], 0.0, type.name());
                if (Math.abs(result[4 * n + 1] - 0.2) < 0.15 && Math.abs(result[4 * n + 2] - 0.8) < 0.15) {
                    consistent++;
                }
            }
            assertTrue(consistent > 170, type.name() + ": completions consistent with the observation " + consistent);
        }
    }

    @Test
    void consistentAnnealedRejectsAStepSizeTooSmallForItsLevels() {
        var runner = new SamplingRunner(new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY));
        var e = assertThrows(IllegalArgumentException.class, () -> runner.job(
                ToyExperiment.spec(new ConsistentAnnealed(), 1, 1).withStepsPerLevel(1), null, FrameListener.NONE));
        assertTrue(e.getMessage().startsWith("consistent-annealed with 1 steps per level over these 10 levels needs a "
                + "step size in ["), e.getMessage());
    }

    @Test
    void aJobsRandomStreamResumesFromItsDrawCount() {
        JobRandom random = JobRandom.seeded(99);
        for (int i = 0; i < 1000; i++) {
            random.nextGaussian();
        }
        JobRandom resumed = JobRandom.resumed(99, random.draws());
        double[] next = {random.nextGaussian(), random.nextDouble(), random.nextGaussian()};
        assertArrayEquals(next, new double[] {resumed.nextGaussian(), resumed.nextDouble(), resumed.nextGaussian()});
        assertEquals(new java.util.SplittableRandom(5).nextGaussian(), JobRandom.seeded(5).nextGaussian(),
                "the same values as SplittableRandom");
    }

    @Test
    void theRegistryFindsSamplersByNameAndRejectsOthers() {
        assertEquals(List.of("annealed-langevin", "langevin", "predictor-corrector", "probability-flow", "ancestral",
                "consistent-annealed", "walk-jump"), Samplers.names());
        assertEquals(new PredictorCorrector(0.2, 3), Samplers.create("predictor-corrector",
                Map.of("snr", "0.2", "correctorSteps", 3)));
        assertEquals(new PredictorCorrector(0.16, 1), Samplers.create("predictor-corrector", null));
        var e = assertThrows(IllegalArgumentException.class, () -> Samplers.create("ddim", null));
        assertTrue(e.getMessage().startsWith("unknown sampler \"ddim\""));
        assertThrows(IllegalArgumentException.class, () -> Samplers.register(Ancestral.TYPE));
        assertEquals(Arrays.asList(0.16, 1), List.of(Samplers.create("predictor-corrector", null).options().get("snr"),
                Samplers.create("predictor-corrector", null).options().get("correctorSteps")));
    }
}
