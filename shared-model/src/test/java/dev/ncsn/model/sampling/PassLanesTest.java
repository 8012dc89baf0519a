package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.GaussianMixtureScore;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.toy.ToyExperiment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** Splitting a shared pass over lanes: the same samples, and no part still running when a step returns. */
class PassLanesTest {

    private static final GaussianMixture MIXTURE = GaussianMixture.paperToy();

    @Test
    void jobsSampledOnSplitPassesMatchOneLaneBitForBit() {
        try (NDManager manager = NDManager.newBaseManager(); PassLanes lanes = PassLanes.of(2)) {
            GaussianMixtureScore score = new GaussianMixtureScore(MIXTURE, NoiseSchedule.TOY);
            List<float[]> oneLane = runTogether(new SamplingRunner(score), manager);
            List<float[]> twoLanes = runTogether(new SamplingRunner(score, lanes), manager);
            assertTrue(lanes.helperCpuNanos() > 0, "the second lane ran parts");
            for (int i = 0; i < oneLane.size(); i++) {
                assertArrayEquals(oneLane.get(i), twoLanes.get(i), "job " + i);
            }
            assertEquals(0, manager.getManagedArrays().size(), "every part's arrays are closed");
        }
    }

    /** Three jobs of 7, 3 and 1 samples on different samplers, sharing every pass (11 rows: parts of 5 and 6). */
    private static List<float[]> runTogether(SamplingRunner runner, NDManager manager) {
        List<SamplingJob> jobs = new ArrayList<>();
        jobs.add(runner.job(ToyExperiment.spec(new AnnealedLangevin(), 7, 1).withStepsPerLevel(5), null,
                FrameListener.NONE));
        jobs.add(runner.job(ToyExperiment.spec(new Langevin(), 3, 2).withStepsPerLevel(5), null, FrameListener.NONE));
        jobs.add(runner.job(ToyExperiment.spec(new AnnealedLangevin(), 1, 3).withStepsPerLevel(5), null,
                FrameListener.NONE));
        return runner.run(jobs, manager);
    }

    @Test
    void partsAreContiguousAtLeastOneRowEachAndOneAfterClose() {
        PassLanes lanes = PassLanes.of(3);
        assertEquals(1, lanes.parts(1), "a lone image is not split");
        assertEquals(2, lanes.parts(2));
        assertEquals(3, lanes.parts(11));
        assertEquals(List.of(0, 3, 7, 11), List.of(PassLanes.firstRow(11, 3, 0), PassLanes.firstRow(11, 3, 1),
                PassLanes.firstRow(11, 3, 2), PassLanes.firstRow(11, 3, 3)));
        lanes.close();
        assertEquals(1, lanes.parts(11), "closed lanes run passes on the calling thread");
        assertSame(PassLanes.single(), PassLanes.of(1));
        assertThrows(IllegalArgumentException.class, () -> PassLanes.of(0));
    }

    @Test
    void aFailingPartIsRethrownOnlyOnceEveryPartHasEnded() {
        try (PassLanes lanes = PassLanes.of(2)) {
            AtomicBoolean helperEnded = new AtomicBoolean();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lanes.run(2, part -> {
                if (part == 0) {
                    throw new IllegalStateException("out of memory in part 0");
                }
                sleep(200);
                helperEnded.set(true);
            }));
            assertEquals("out of memory in part 0", e.getMessage());
            assertTrue(helperEnded.get(), "the caller went on only after the other part had ended");

            AtomicBoolean callerEnded = new AtomicBoolean();
            assertThrows(IllegalArgumentException.class, () -> lanes.run(2, part -> {
                if (part == 1) {
                    throw new IllegalArgumentException("a helper's part failed");
                }
                sleep(100);
                callerEnded.set(true);
            }));
            assertTrue(callerEnded.get());
            assertThrows(IllegalArgumentException.class, () -> lanes.run(3, part -> { }), "more parts than lanes");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
