package dev.ncsn.model.loss;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The randomness of one score-matching batch, drawn in Java so that it is reproducible and independent of DJL's
 * global random generator: a 0-based noise level per sample and standard Gaussian noise z for every element.
 *
 * <p>{@link #draw} consumes the generator in a fixed order (first one {@code nextInt(numLevels)} per sample, then one
 * {@code nextGaussian()} per element in row-major order), so a trainer that seeds a generator from (run seed, step)
 * replays a step exactly after a restart. A held-out evaluation keeps one fixed instance.
 *
 * @param levels one 0-based level index per sample (index 0 is σ1, the largest)
 * @param noise  z, {@code levels.length × sampleSize} values, sample-major
 */
public record Perturbation(int[] levels, float[] noise) {

    public Perturbation {
        Objects.requireNonNull(levels, "levels");
        Objects.requireNonNull(noise, "noise");
        if (levels.length == 0) {
            throw new IllegalArgumentException("a perturbation needs at least one sample");
        }
        if (noise.length == 0 || noise.length % levels.length != 0) {
            throw new IllegalArgumentException("noise has " + noise.length + " values, not a positive multiple of the "
                    + levels.length + " samples");
        }
        for (int level : levels) {
            if (level < 0) {
                throw new IllegalArgumentException("negative level index " + level);
            }
        }
    }

    /** Uniform random levels (the paper's i ~ U{1..L}) and Gaussian noise. */
    public static Perturbation draw(int batchSize, long sampleSize, int numLevels, RandomGenerator rng) {
        checkSizes(batchSize, sampleSize, numLevels);
        int[] levels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            levels[i] = rng.nextInt(numLevels);
        }
        return new Perturbation(levels, gaussians(batchSize, sampleSize, rng));
    }

    /**
     * Levels cycling 0, 1, …, L−1, 0, 1, … (every level equally covered, for a fixed held-out evaluation) and
     * Gaussian noise.
     */
    public static Perturbation balanced(int batchSize, long sampleSize, int numLevels, RandomGenerator rng) {
        checkSizes(batchSize, sampleSize, numLevels);
        int[] levels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            levels[i] = i % numLevels;
        }
        return new Perturbation(levels, gaussians(batchSize, sampleSize, rng));
    }

    /** {@code count} standard Gaussian floats, one {@code nextGaussian()} each. */
    static float[] gaussians(int batchSize, long sampleSize, RandomGenerator rng) {
        float[] z = new float[Math.toIntExact(batchSize * sampleSize)];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rng.nextGaussian();
        }
        return z;
    }

    static void checkSizes(int batchSize, long sampleSize, int numLevels) {
        if (batchSize < 1 || sampleSize < 1 || numLevels < 1) {
            throw new IllegalArgumentException("invalid sizes: batch " + batchSize + ", sample size " + sampleSize
                    + ", levels " + numLevels);
        }
        if (batchSize * sampleSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch too large for one perturbation: " + batchSize + " × "
                    + sampleSize);
        }
    }

    public int batchSize() {
        return levels.length;
    }

    /** Values per sample. */
    public int sampleSize() {
        return noise.length / levels.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Perturbation p && Arrays.equals(levels, p.levels) && Arrays.equals(noise, p.noise);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(levels) + Arrays.hashCode(noise);
    }

    @Override
    public String toString() {
        return "Perturbation[" + levels.length + " samples × " + sampleSize() + "]";
    }
}
