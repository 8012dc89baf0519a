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

/** A chain checkpointed mid-run and restored into a fresh chain continues bit for bit, on the exact toy score. */
class ChainStateTest {

    private static NDManager manager;
    private static final AnnealedLangevinSampler SAMPLER = new AnnealedLangevinSampler(
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
                ToyExperiment.spec(Dynamics.ANNEALED, 20, 5).withStepsPerLevel(7).withFrameEvery(3),
                ToyExperiment.spec(Dynamics.ANNEALED, 20, 6).withStepsPerLevel(7).withFinalDenoise(true),
                ToyExperiment.spec(Dynamics.PLAIN, 20, 7).withStepsPerLevel(3))) {
            List<Frame> uninterruptedFrames = new ArrayList<>();
            float[] uninterrupted = SAMPLER.sample(spec, null, uninterruptedFrames::add, manager);
            int total = SAMPLER.chain(spec, null, FrameListener.NONE).totalSteps();
            for (int at : new int[] {1, 7, 8, total / 2, total - 1}) {
                List<Frame> frames = new ArrayList<>();
                LangevinChain first = SAMPLER.chain(spec, null, frames::add);
                for (int i = 0; i < at; i++) {
                    SAMPLER.step(List.of(first), manager);
                }
                ChainState saved = first.checkpoint();
                assertEquals(at, saved.completedSteps());
                LangevinChain resumed = SAMPLER.chain(spec, null, frames::add);
                resumed.restore(saved);
                SAMPLER.run(List.of(resumed), manager);
                assertEquals(LangevinChain.State.DONE, resumed.state());
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
    void anInpaintingChainKeepsItsNoisyObservationAcrossARestore() {
        SamplingSpec spec = ToyExperiment.spec(Dynamics.ANNEALED, 6, 11).withStepsPerLevel(5);
        Inpainting task = new Inpainting(new float[] {1.5f, -2f}, new boolean[] {false, true});
        float[] uninterrupted = SAMPLER.sample(spec, task, FrameListener.NONE, manager);
        LangevinChain first = SAMPLER.chain(spec, task, FrameListener.NONE);
        for (int i = 0; i < 13; i++) {
            SAMPLER.step(List.of(first), manager);
        }
        ChainState saved = first.checkpoint();
        assertNotNull(saved.knownNoisy());
        LangevinChain resumed = SAMPLER.chain(spec, task, FrameListener.NONE);
        resumed.restore(saved);
        SAMPLER.run(List.of(resumed), manager);
        assertArrayEquals(uninterrupted, resumed.samples());
    }

    @Test
    void onlyAFreshChainOfTheSameShapeTakesACheckpoint() {
        SamplingSpec spec = ToyExperiment.spec(Dynamics.ANNEALED, 4, 1).withStepsPerLevel(3);
        LangevinChain chain = SAMPLER.chain(spec, null, FrameListener.NONE);
        SAMPLER.step(List.of(chain), manager);
        ChainState saved = chain.checkpoint();
        assertThrows(IllegalStateException.class, () -> chain.restore(saved), "not fresh");
        LangevinChain bigger = SAMPLER.chain(spec.withStepsPerLevel(3).withInitRange(0, 1), null, FrameListener.NONE);
        LangevinChain otherCount = SAMPLER.chain(ToyExperiment.spec(Dynamics.ANNEALED, 5, 1).withStepsPerLevel(3),
                null, FrameListener.NONE);
        assertThrows(IllegalArgumentException.class, () -> otherCount.restore(saved));
        bigger.restore(saved); // same shape, same plan: fine
        SAMPLER.run(List.of(chain), manager);
        assertThrows(IllegalStateException.class, chain::checkpoint, "a finished chain has nothing to resume");
    }
}
