package dev.ncsn.model.quality;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.AnnealedLangevin;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The draw behind {@code ncsn evaluate} and the FID gate: batch k from seed + k, 8-bit values, reproducible. */
class SampleDrawTest {

    private static final Architecture TINY = new Architecture("custom", 1, 8, 4, 10);

    @Test
    void batchKComesFromSeedPlusKOnTheEightBitGridAndTheSameDrawRepeatsExactly() {
        SampleDraw fourInTwos = new SampleDraw(4, 2, 10, new AnnealedLangevin(), 2, 4e-5, true);
        try (NDManager m = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(TINY, NoiseSchedule.IMAGES, m, 5)) {
            assertEquals(10 * 2 + 1, fourInTwos.networkEvaluations(net), "the final step adds one evaluation");
            long[] evaluations = new long[1];
            float[] all = fourInTwos.draw(net, (done, from, size, frame) -> evaluations[0] = done);
            assertEquals(4 * 64, all.length);
            assertEquals(4 * 21, evaluations[0], "progress counts every sample's evaluations");
            for (float v : all) {
                assertTrue(v >= 0 && v <= 1, "clamped: " + v);
                assertEquals(Math.round(v * 255f) / 255f, v, 0f, "on the 8-bit grid: " + v);
            }
            assertArrayEquals(all, fourInTwos.draw(net, SampleDraw.Progress.NONE), "the same draw, the same images");
            float[] second = new SampleDraw(2, 2, 11, new AnnealedLangevin(), 2, 4e-5, true).draw(net,
                    SampleDraw.Progress.NONE);
            assertArrayEquals(second, Arrays.copyOfRange(all, 2 * 64, 4 * 64), "batch 1 is the draw of seed 10 + 1");
            float[] other = new SampleDraw(4, 2, 12, new AnnealedLangevin(), 2, 4e-5, true).draw(net,
                    SampleDraw.Progress.NONE);
            assertFalse(Arrays.equals(all, other), "another seed, other images");
        }
    }

    @Test
    void quantisingClampsAndRoundsAsAPngWould() {
        assertEquals(0f, SampleDraw.quantise(-0.3f));
        assertEquals(1f, SampleDraw.quantise(1.7f));
        assertEquals(128 / 255f, SampleDraw.quantise(0.5f));
        assertEquals(0f, SampleDraw.quantise(0.0019f));
        assertEquals(1 / 255f, SampleDraw.quantise(0.002f));
    }
}
