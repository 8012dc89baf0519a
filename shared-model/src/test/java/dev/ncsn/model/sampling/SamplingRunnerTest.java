package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.GaussianMixtureScore;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.toy.ToyExperiment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SamplingRunnerTest {

    private static NDManager manager;
    private static final GaussianMixture MIXTURE = GaussianMixture.paperToy();

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void annealedLangevinOnTheExactScoreRecoversTheMixtureWeights() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        float[] samples = sampler.sample(ToyExperiment.spec(new AnnealedLangevin(), 10_000, 1), null, FrameListener.NONE, manager);
        assertEquals(0.2, ToyExperiment.measure(samples).lowerLeftFraction(), 0.03);
    }

    @Test
    void plainLangevinOnTheExactScoreDoesNotRecoverTheWeights() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        float[] samples = sampler.sample(ToyExperiment.spec(new Langevin(), 10_000, 1), null, FrameListener.NONE, manager);
        // Uniform noise on [−8, 8]² falls about half on each side and plain Langevin cannot cross between the modes.
        assertEquals(0.5, ToyExperiment.measure(samples).lowerLeftFraction(), 0.05);
    }

    @Test
    void sameSeedGivesIdenticalSamplesAloneOrBatchedWithOtherJobs() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        SamplingSpec job = ToyExperiment.spec(new AnnealedLangevin(), 50, 42).withStepsPerLevel(20);
        float[] alone = sampler.sample(job, null, FrameListener.NONE, manager);

        // The same job sharing its forward passes with two others, one of them joining late and at another level.
        SamplingJob same = sampler.job(job, null, FrameListener.NONE);
        SamplingJob other = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 30, 7).withStepsPerLevel(20), null, FrameListener.NONE);
        SamplingJob late = sampler.job(ToyExperiment.spec(new Langevin(), 10, 9).withStepsPerLevel(5), null, FrameListener.NONE);
        List<SamplingJob> batch = new ArrayList<>(List.of(other, same));
        for (int i = 0; i < 37; i++) {
            sampler.step(batch, manager);
        }
        batch.add(0, late);
        sampler.run(batch, manager);

        assertEquals(SamplingJob.State.DONE, same.state());
        assertArrayEquals(alone, same.samples());
        assertFalse(java.util.Arrays.equals(alone, other.samples()), "another seed gives other samples");
    }

    @Test
    void framesCoverEveryLevelInOrderAndEndWithTheLastStep() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        List<Frame> frames = new ArrayList<>();
        SamplingSpec spec = ToyExperiment.spec(new AnnealedLangevin(), 4, 3).withStepsPerLevel(10).withFrameEvery(4);
        float[] result = sampler.sample(spec, null, frames::add, manager);

        // Steps 4, 8 and the last step (10) of each of the 10 levels.
        assertEquals(30, frames.size());
        for (int level = 1; level <= 10; level++) {
            List<Integer> steps = new ArrayList<>();
            for (Frame f : frames) {
                if (f.level() == level) {
                    steps.add(f.step());
                    assertEquals(NoiseSchedule.TOY.sigma(level - 1), f.sigma(), 1e-12);
                }
            }
            assertEquals(List.of(4, 8, 10), steps, "frames of level " + level);
        }
        for (int i = 1; i < frames.size(); i++) {
            assertTrue(frames.get(i).completedSteps() > frames.get(i - 1).completedSteps());
        }
        Frame last = frames.get(frames.size() - 1);
        assertEquals(100, last.completedSteps());
        assertEquals(100, last.totalSteps());
        assertArrayEquals(result, last.samples());
    }

    @Test
    void denoisedPreviewIsXPlusSigmaSquaredTimesTheScore() {
        NoiseSchedule schedule = NoiseSchedule.TOY;
        var score = new GaussianMixtureScore(MIXTURE, schedule);
        var sampler = new SamplingRunner(score);
        List<Frame> frames = new ArrayList<>();
        List<float[]> before = new ArrayList<>();
        SamplingJob chain = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 3, 5).withStepsPerLevel(2).withFrameEvery(1),
                null, frames::add);
        before.add(chain.samples());
        sampler.step(List.of(chain), manager);
        float[] x0 = before.get(0);
        float[] expected = new float[x0.length];
        MIXTURE.perturbedScore(x0, 0, schedule.sigma(0), expected);
        MIXTURE.perturbedScore(x0, 2, schedule.sigma(0), expected);
        MIXTURE.perturbedScore(x0, 4, schedule.sigma(0), expected);
        double s2 = schedule.sigma(0) * schedule.sigma(0);
        for (int i = 0; i < x0.length; i++) {
            assertEquals(x0[i] + s2 * expected[i], frames.get(0).denoised()[i], 1e-3);
        }
    }

    @Test
    void finalDenoisingStepAddsSigmaLSquaredTimesTheScoreWithoutNoise() {
        NoiseSchedule schedule = NoiseSchedule.TOY;
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, schedule));
        SamplingSpec spec = ToyExperiment.spec(new AnnealedLangevin(), 20, 11).withStepsPerLevel(5);
        float[] withoutDenoise = sampler.sample(spec, null, FrameListener.NONE, manager);

        List<Frame> frames = new ArrayList<>();
        float[] denoised = sampler.sample(spec.withFinalDenoise(true), null, frames::add, manager);
        float[] score = new float[withoutDenoise.length];
        for (int i = 0; i < 20; i++) {
            MIXTURE.perturbedScore(withoutDenoise, 2 * i, schedule.sigma(9), score);
        }
        for (int i = 0; i < score.length; i++) {
            assertEquals(withoutDenoise[i] + 1.0 * score[i], denoised[i], 1e-4);
        }
        Frame last = frames.get(frames.size() - 1);
        assertTrue(last.finalDenoise());
        assertEquals(10, last.level());
        assertEquals(51, last.totalSteps());
    }

    @Test
    void inpaintingKeepsKnownValuesEqualToTheObservation() {
        // A 4-dimensional mixture stands in for a 2×2 image; dimensions 0 and 3 are observed.
        var mixture = new GaussianMixture(List.of(
                new GaussianMixture.Component(0.5, new double[] {0.2, 0.2, 0.8, 0.8}, 0.05),
                new GaussianMixture.Component(0.5, new double[] {0.8, 0.8, 0.2, 0.2}, 0.05)));
        var sampler = new SamplingRunner(new GaussianMixtureScore(mixture, NoiseSchedule.IMAGES));
        float[] observation = {0.21f, 0.5f, 0.5f, 0.79f};
        var task = new Inpainting(observation, new boolean[] {false, true, true, false});
        SamplingSpec spec = SamplingSpec.images(200, 17).withStepsPerLevel(30).withEpsilon(5e-4);
        List<Frame> frames = new ArrayList<>();
        float[] result = sampler.sample(spec, task, frames::add, manager);

        int consistent = 0;
        for (int n = 0; n < 200; n++) {
            assertEquals(observation[0], result[4 * n], 0.0);
            assertEquals(observation[3], result[4 * n + 3], 0.0);
            // The observation is near the first component, so the generated values should follow it.
            if (Math.abs(result[4 * n + 1] - 0.2) < 0.15 && Math.abs(result[4 * n + 2] - 0.8) < 0.15) {
                consistent++;
            }
        }
        assertTrue(consistent > 180, "completions consistent with the observation: " + consistent + "/200");
        // While running, the known values carry the noise of the current level.
        assertNotEquals(observation[0], frames.get(0).samples()[0]);
    }

    @Test
    void cancelStopsBeforeTheNextStep() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        List<Frame> frames = new ArrayList<>();
        SamplingJob[] holder = new SamplingJob[1];
        holder[0] = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 2, 1).withFrameEvery(1), null, frame -> {
            frames.add(frame);
            if (frame.completedSteps() == 150) {
                holder[0].cancel();
            }
        });
        SamplingJob other = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 2, 2).withStepsPerLevel(20), null, FrameListener.NONE);
        sampler.run(List.of(holder[0], other), manager);
        assertEquals(SamplingJob.State.CANCELLED, holder[0].state());
        assertEquals(150, holder[0].completedEvaluations());
        assertEquals(150, frames.size());
        assertEquals(SamplingJob.State.DONE, other.state(), "a cancelled job does not stop the others");
    }

    @Test
    void aFailingListenerFailsOnlyItsOwnJob() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        SamplingJob broken = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 2, 1).withStepsPerLevel(3), null, frame -> {
            throw new IllegalStateException("listener broke");
        });
        SamplingJob fine = sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 2, 2).withStepsPerLevel(3), null, FrameListener.NONE);
        sampler.run(List.of(broken, fine), manager);
        assertEquals(SamplingJob.State.FAILED, broken.state());
        assertTrue(broken.failure().contains("listener broke"));
        assertEquals(SamplingJob.State.DONE, fine.state());
    }

    @Test
    void inpaintingMaskMustMatchTheModel() {
        var sampler = new SamplingRunner(new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY));
        var task = new Inpainting(new float[3], new boolean[3]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> sampler.job(ToyExperiment.spec(new AnnealedLangevin(), 1, 1), task, FrameListener.NONE));
        assertTrue(e.getMessage().contains("3 values"));
    }
}
