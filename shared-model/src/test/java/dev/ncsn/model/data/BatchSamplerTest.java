package dev.ncsn.model.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSamplerTest {

    /** n images of 2×3×4 where every value of image i is distinct and encodes (i, c, y, x). */
    private static ByteDataset tiny(int n) {
        byte[] px = new byte[n * 24];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 24; k++) {
                px[i * 24 + k] = (byte) ((i * 24 + k) % 251);
            }
        }
        return new ByteDataset("tiny", n, 2, 3, 4, px);
    }

    @Test
    void everyImageOncePerEpochWithShortLastBatch() {
        ByteDataset d = tiny(103);
        BatchSampler s = new BatchSampler(d, 10, 7L, false);
        assertEquals(11, s.batchesPerEpoch());
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < 11; b++) {
                long step = (long) epoch * 11 + b;
                assertEquals(epoch, s.epochOf(step));
                assertEquals(b, s.batchInEpoch(step));
                int[] idx = s.indices(step);
                assertEquals(b < 10 ? 10 : 3, idx.length);
                assertEquals(idx.length, s.batchSizeAt(step));
                for (int i : idx) {
                    assertTrue(seen.add(i), "image " + i + " twice in epoch " + epoch);
                }
            }
            assertEquals(103, seen.size());
        }
        assertEquals(3 * 24, s.batch(10).length);
    }

    @Test
    void epochsAreDifferentPermutations() {
        BatchSampler s = new BatchSampler(tiny(200), 16, 1L, false);
        int[] p0 = s.permutation(0);
        int[] p1 = s.permutation(1);
        assertFalse(Arrays.equals(p0, p1));
        int[] sorted = p0.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 200; i++) {
            assertEquals(i, sorted[i]);
        }
        assertFalse(Arrays.equals(p0, new BatchSampler(tiny(200), 16, 2L, false).permutation(0)), "seed matters");
        int identity = 0;
        for (int i = 0; i < 200; i++) {
            identity += p0[i] == i ? 1 : 0;
        }
        assertTrue(identity < 10, "shuffled: " + identity + " fixed points");
    }

    @Test
    void batchAtStepIsTheSameWhetherOrNotEarlierStepsWereDrawn() {
        ByteDataset d = tiny(57);
        BatchSampler running = new BatchSampler(d, 8, 42L, true);
        float[][] seen = new float[40][];
        for (int step = 0; step < 40; step++) {
            seen[step] = running.batch(step);
        }
        // a trainer restarted after a crash: a new sampler, straight to step k, in any order
        BatchSampler resumed = new BatchSampler(d, 8, 42L, true);
        for (int step : new int[] {33, 5, 39, 8, 0, 21, 14}) {
            assertArrayEquals(seen[step], resumed.batch(step), "step " + step);
            assertArrayEquals(running.indices(step), resumed.indices(step));
            assertArrayEquals(running.flips(step), resumed.flips(step));
        }
        // and a far-away step agrees between two fresh samplers
        assertArrayEquals(new BatchSampler(d, 8, 42L, true).batch(1_000_003L),
                new BatchSampler(d, 8, 42L, true).batch(1_000_003L));
    }

    @Test
    void orderIsPinnedSoResumingWorksAcrossVersions() {
        // Fixed by SplitMix64 and Fisher–Yates in BatchSampler: changing this breaks resuming old training runs.
        BatchSampler s = new BatchSampler(tiny(10), 4, 2024L, true);
        assertArrayEquals(new int[] {1, 3, 0, 2, 6, 4, 8, 5, 9, 7}, s.permutation(0));
        assertArrayEquals(new int[] {2, 4, 3, 8, 0, 9, 5, 1, 6, 7}, s.permutation(1));
        assertArrayEquals(new int[] {6, 4, 8, 5}, s.indices(1));
        assertArrayEquals(new int[] {9, 7}, s.indices(2));
        assertArrayEquals(new int[] {2, 4, 3, 8}, s.indices(3));
        assertArrayEquals(new boolean[] {true, true, false, true}, s.flips(1));
        assertArrayEquals(new boolean[] {true, false}, s.flips(5));
        assertArrayEquals(new boolean[] {false, true, false, false}, s.flips(6));
    }

    @Test
    void batchHoldsTheDatasetImages() {
        ByteDataset d = tiny(20);
        BatchSampler s = new BatchSampler(d, 6, 3L, false);
        float[] batch = s.batch(2);
        int[] idx = s.indices(2);
        for (int k = 0; k < idx.length; k++) {
            assertArrayEquals(d.image(idx[k]), Arrays.copyOfRange(batch, k * 24, (k + 1) * 24));
        }
        float[] dst = new float[5 + 6 * 24];
        assertEquals(6, s.batch(2, dst, 5));
        assertArrayEquals(batch, Arrays.copyOfRange(dst, 5, dst.length));
        assertThrows(IndexOutOfBoundsException.class, () -> s.batch(2, new float[6 * 24 - 1], 0));
    }

    @Test
    void flipMirrorsEachRowOfEachChannel() {
        ByteDataset d = tiny(64);
        BatchSampler flipping = new BatchSampler(d, 16, 9L, true);
        BatchSampler plain = new BatchSampler(d, 16, 9L, false);
        int flipped = 0;
        int total = 0;
        for (long step = 0; step < 20; step++) {
            assertArrayEquals(flipping.indices(step), plain.indices(step), "flips do not change the order");
            boolean[] f = flipping.flips(step);
            float[] a = flipping.batch(step);
            float[] b = plain.batch(step);
            for (int k = 0; k < f.length; k++) {
                total++;
                for (int c = 0; c < 2; c++) {
                    for (int y = 0; y < 3; y++) {
                        for (int x = 0; x < 4; x++) {
                            int at = k * 24 + (c * 3 + y) * 4;
                            assertEquals(b[at + (f[k] ? 3 - x : x)], a[at + x]);
                        }
                    }
                }
                if (f[k]) {
                    flipped++;
                }
            }
            for (boolean no : plain.flips(step)) {
                assertFalse(no);
            }
        }
        assertTrue(flipped > total * 0.35 && flipped < total * 0.65, flipped + " of " + total);
        // flips differ between steps, also between the same images in different epochs
        assertFalse(Arrays.equals(flipping.flips(0), flipping.flips(4)));
    }

    @Test
    void dropLastSkipsTheShortBatch() {
        BatchSampler s = new BatchSampler(tiny(103), 10, 7L, false, true);
        assertEquals(10, s.batchesPerEpoch());
        for (long step = 0; step < 30; step++) {
            assertEquals(10, s.batch(step).length / 24);
        }
        assertEquals(1, s.epochOf(10));
        Set<Integer> seen = new HashSet<>();
        for (int b = 0; b < 10; b++) {
            for (int i : s.indices(b)) {
                assertTrue(seen.add(i));
            }
        }
        assertEquals(100, seen.size());
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(tiny(5), 6, 0L, false, true));
    }

    @Test
    void batchLargerThanDatasetWithoutDropLastIsOneBatchPerEpoch() {
        BatchSampler s = new BatchSampler(tiny(5), 8, 0L, false);
        assertEquals(1, s.batchesPerEpoch());
        assertEquals(5, s.batchSizeAt(0));
        assertEquals(3, s.epochOf(3));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(tiny(5), 0, 0L, false));
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(tiny(0), 1, 0L, false));
        BatchSampler s = new BatchSampler(tiny(5), 2, 0L, false);
        assertThrows(IllegalArgumentException.class, () -> s.batch(-1));
    }

    @Test
    void worksOnTheFashionMnistSubset() {
        ByteDataset d = MnistReader.read(TestData.subsetDirectory());
        BatchSampler s = new BatchSampler(d, 128, 1234L, false);
        assertEquals(12, s.batchesPerEpoch());
        float[] b = s.batch(0);
        assertEquals(128 * 784, b.length);
        int[] idx = s.indices(0);
        assertArrayEquals(d.image(idx[127]), Arrays.copyOfRange(b, 127 * 784, 128 * 784));
        assertEquals(1500 - 11 * 128, s.batchSizeAt(11));
    }
}
