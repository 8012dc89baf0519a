package dev.ncsn.model.data;

import java.util.Objects;

/**
 * Training batches as a pure function of (seed, step): a trainer that knows its step number after a crash gets
 * exactly the batches it would have had, with no other state to save.
 *
 * <p>Steps count from 0. Epoch {@code e} is a permutation of the dataset drawn from (seed, e); step {@code s} is
 * batch {@code s % batchesPerEpoch()} of epoch {@code s / batchesPerEpoch()}, the slice {@code [b·B, b·B + B)} of
 * that permutation, so every image appears exactly once per epoch. When B does not divide the dataset size the
 * last batch of an epoch is shorter, or, with {@code dropLast}, left out (then the last {@code n % B} images of
 * each permutation are skipped, different ones every epoch). With random flips on, each image of a batch is
 * mirrored left–right with probability 1/2, drawn from (seed, step, position in the batch).
 *
 * <p>The random numbers come from SplitMix64 coded here, not from {@code java.util} generators, so the order is
 * fixed by this class and not by a JDK version. Safe to use from several threads.
 */
public final class BatchSampler {

    private static final long PERMUTATION_STREAM = 0x5045524d55544154L; // "PERMUTAT"
    private static final long FLIP_STREAM = 0x464c495053414d50L; // "FLIPSAMP"

    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final boolean randomFlip;
    private final boolean dropLast;
    private final int batchesPerEpoch;
    /** The permutation of the epoch asked for last: a cache only, results never depend on it. */
    private volatile EpochOrder cached;

    private record EpochOrder(int epoch, int[] order) {
    }

    /** Batches of {@code batchSize} (the last of an epoch shorter if need be), flipped at random or not. */
    public BatchSampler(Dataset data, int batchSize, long seed, boolean randomFlip) {
        this(data, batchSize, seed, randomFlip, false);
    }

    public BatchSampler(Dataset data, int batchSize, long seed, boolean randomFlip, boolean dropLast) {
        this.data = Objects.requireNonNull(data, "data");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("dataset " + data.source() + " is empty");
        }
        if (dropLast && batchSize > data.size()) {
            throw new IllegalArgumentException("batch size " + batchSize + " is larger than the " + data.size()
                    + " images of " + data.source() + ", so dropping the incomplete batch leaves none");
        }
        this.batchSize = batchSize;
        this.seed = seed;
        this.randomFlip = randomFlip;
        this.dropLast = dropLast;
        int n = data.size();
        this.batchesPerEpoch = dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public Dataset data() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public boolean randomFlip() {
        return randomFlip;
    }

    public boolean dropLast() {
        return dropLast;
    }

    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** The epoch that step {@code step} (from 0) falls in. */
    public int epochOf(long step) {
        checkStep(step);
        return Math.toIntExact(step / batchesPerEpoch);
    }

    /** The position of step {@code step} in its epoch, in [0, batchesPerEpoch()). */
    public int batchInEpoch(long step) {
        checkStep(step);
        return (int) (step % batchesPerEpoch);
    }

    /** The number of images in the batch of step {@code step}: the batch size, but the last of an epoch may be less. */
    public int batchSizeAt(long step) {
        int b = batchInEpoch(step);
        return Math.min(batchSize, data.size() - b * batchSize);
    }

    /** The order of the dataset's images in epoch {@code epoch}: a permutation of [0, size()). */
    public int[] permutation(int epoch) {
        return order(epoch).clone();
    }

    /** The dataset indices of the images of step {@code step}, in batch order. */
    public int[] indices(long step) {
        int[] order = order(epochOf(step));
        int from = batchInEpoch(step) * batchSize;
        int[] out = new int[batchSizeAt(step)];
        System.arraycopy(order, from, out, 0, out.length);
        return out;
    }

    /** Which images of step {@code step} are mirrored left–right; all false without random flips. */
    public boolean[] flips(long step) {
        boolean[] out = new boolean[batchSizeAt(step)];
        if (randomFlip) {
            SplitMix64 rng = new SplitMix64(SplitMix64.mix(SplitMix64.mix(seed ^ FLIP_STREAM) + step));
            for (int k = 0; k < out.length; k++) {
                out[k] = rng.next() < 0;
            }
        }
        return out;
    }

    /** The batch of step {@code step}: {@code batchSizeAt(step)} images, shape [batch, C, H, W], in [0, 1]. */
    public float[] batch(long step) {
        float[] out = new float[batchSizeAt(step) * data.valuesPerImage()];
        batch(step, out, 0);
        return out;
    }

    /**
     * Writes the batch of step {@code step} to {@code dst[offset ...]} ({@code batchSizeAt(step)·C·H·W} floats)
     * and returns the number of images written.
     */
    public int batch(long step, float[] dst, int offset) {
        int[] idx = indices(step);
        boolean[] flip = flips(step);
        int per = data.valuesPerImage();
        Objects.checkFromIndexSize(offset, idx.length * per, dst.length);
        for (int k = 0; k < idx.length; k++) {
            int at = offset + k * per;
            data.copy(idx[k], dst, at);
            if (flip[k]) {
                mirror(dst, at, data.channels() * data.height(), data.width());
            }
        }
        return idx.length;
    }

    /** Reverses each of {@code rows} rows of {@code width} values starting at {@code dst[at]}. */
    static void mirror(float[] dst, int at, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            int lo = at + r * width;
            int hi = lo + width - 1;
            while (lo < hi) {
                float t = dst[lo];
                dst[lo++] = dst[hi];
                dst[hi--] = t;
            }
        }
    }

    private int[] order(int epoch) {
        EpochOrder c = cached;
        if (c != null && c.epoch == epoch) {
            return c.order;
        }
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplitMix64 rng = new SplitMix64(SplitMix64.mix(SplitMix64.mix(seed ^ PERMUTATION_STREAM) + epoch));
        for (int i = n - 1; i > 0; i--) { // Fisher–Yates
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        cached = new EpochOrder(epoch, order);
        return order;
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be 0 or more: " + step);
        }
    }

    /** SplitMix64 (Steele, Lea and Flood 2014), spelled out so the sequence never changes under us. */
    static final class SplitMix64 {
        private static final long GAMMA = 0x9e3779b97f4a7c15L;
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        long next() {
            state += GAMMA;
            return mix(state);
        }

        /** Uniform in [0, bound), without modulo bias (rejection). */
        int nextInt(int bound) {
            long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound + 1) % bound; // largest multiple of bound - 1
            long r;
            do {
                r = next() >>> 1;
            } while (r > limit);
            return (int) (r % bound);
        }
    }
}
