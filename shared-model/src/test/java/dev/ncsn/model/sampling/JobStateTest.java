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
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** A job checkpointed mid-run and restored into a fresh job continues bit for bit, on the exact toy score. */
class JobStateTest {

    private static NDManager manager;
    private static final SamplingRunner SAMPLER = new SamplingRunner(
            new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY));

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void theJobRandomStreamIsSplittableRandomAndResumesFromItsDrawCount() {
        SplittableRandom reference = new SplittableRandom(42);
        JobRandom counted = JobRandom.seeded(42);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(reference.nextGaussian(), counted.nextGaussian());
            assertEquals(reference.nextDouble(), counted.nextDouble());
        }
        JobRandom resumed = JobRandom.resumed(42, counted.draws());
        for (int i = 0; i < 1000; i++) {
            assertEquals(reference.nextGaussian(), resumed.nextGaussian());
        }
    }

    @Test
    void aRestoredChainFinishesWithTheSamplesAndFramesOfAnUninterruptedOne() {
        for (SamplingSpec spec : List.of(
                ToyExperiment.spec(new AnnealedLangevin(), 20, 5).withStepsPerLevel(7).withFrameEvery(3),
                ToyExperiment.spec(new AnnealedLangevin(), 20, 6).withStepsPerLevel(7).withFinalDenoise(true),
                ToyExperiment.spec(new Langevin(), 20, 7).withStepsPerLevel(3),
                ToyExperiment.spec(new PredictorCorrector(0.16, 2), 20, 8).withStepsPerLevel(2),
                ToyExperiment.spec(new ProbabilityFlow(true), 20, 9).withStepsPerLevel(2).withFinalDenoise(true),
                ToyExperiment.spec(new WalkJump(3), 20, 10).withStepsPerLevel(1))) {
            List<Frame> uninterruptedFrames = new ArrayList<>();
            float[] uninterrupted = SAMPLER.sample(spec, null, uninterruptedFrames::add, manager);
            int total = SAMPLER.job(spec, null, FrameListener.NONE).networkEvaluations();
            for (int at : new int[] {1, 7, 8, total / 2, total - 1}) {
                List<Frame> frames = new ArrayList<>();
                SamplingJob first = SAMPLER.job(spec, null, frames::add);
                for (int i = 0; i < at; i++) {
                    SAMPLER.step(List.of(first), manager);
                }
                JobState saved = first.checkpoint();
                assertEquals(at, saved.completedEvaluations());
                SamplingJob resumed = SAMPLER.job(spec, null, frames::add);
                resumed.restore(saved);
                SAMPLER.run(List.of(resumed), manager);
                assertEquals(SamplingJob.State.DONE, resumed.state());
                assertArrayEquals(uninterrupted, resumed.samples(), spec + " resumed after " + at + " steps");
                assertEquals(uninterruptedFrames.size(), frames.size());
                for (int i = 0; i < frames.size(); i++) {
                    assertArrayEquals(uninterruptedFrames.get(i).samples(), frames.get(i).samples());
                    assertEquals(uninterruptedFrames.get(i).completedSteps(), frames.get(i).completedSteps());
                }
            }
        }
    }

    @Test
    void anInpaintingJobKeepsItsNoisyObservationAcrossARestore() {
        for (SamplingSpec spec : List.of(ToyExperiment.spec(new AnnealedLangevin(), 6, 11).withStepsPerLevel(5),
                ToyExperiment.spec(new ProbabilityFlow(true), 6, 11).withStepsPerLevel(2))) {
        Inpainting task = new Inpainting(new float[] {1.5f, -2f}, new boolean[] {false, true});
        float[] uninterrupted = SAMPLER.sample(spec, task, FrameListener.NONE, manager);
        SamplingJob first = SAMPLER.job(spec, task, FrameListener.NONE);
        for (int i = 0; i < 13; i++) {
            SAMPLER.step(List.of(first), manager);
        }
        JobState saved = first.checkpoint();
        assertNotNull(saved.knownNoisy());
        SamplingJob resumed = SAMPLER.job(spec, task, FrameListener.NONE);
        resumed.restore(saved);
        SAMPLER.run(List.of(resumed), manager);
        assertArrayEquals(uninterrupted, resumed.samples());
        }
    }

    @Test
    void onlyAFreshJobOfTheSameShapeTakesACheckpoint() {
        SamplingSpec spec = ToyExperiment.spec(new AnnealedLangevin(), 4, 1).withStepsPerLevel(3);
        SamplingJob chain = SAMPLER.job(spec, null, FrameListener.NONE);
        SAMPLER.step(List.of(chain), manager);
        JobState saved = chain.checkpoint();
        assertThrows(IllegalStateException.class, () -> chain.restore(saved), "not fresh");
        SamplingJob bigger = SAMPLER.job(spec.withStepsPerLevel(3).withInitRange(0, 1), null, FrameListener.NONE);
        SamplingJob otherCount = SAMPLER.job(ToyExperiment.spec(new AnnealedLangevin(), 5, 1).withStepsPerLevel(3),
                null, FrameListener.NONE);
        assertThrows(IllegalArgumentException.class, () -> otherCount.restore(saved));
        bigger.restore(saved); // same shape, same plan: fine
        SAMPLER.run(List.of(chain), manager);
        assertThrows(IllegalStateException.class, chain::checkpoint, "a finished job has nothing to resume");
    }
}
