package dev.ncsn.model.sampling;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A job's random stream: {@link SplittableRandom} seeded by the job's seed, counting the 64-bit draws it makes so
 * that its state can be written down and restored exactly.
 *
 * <p>Why counting is enough: a {@code SplittableRandom} made from a seed is SplitMix64 with the fixed gamma
 * {@value #GOLDEN_GAMMA_HEX}; each {@code nextLong}/{@code nextInt} adds gamma to its state once. After n draws
 * the state is {@code seed + n·gamma}, which is exactly the state of {@code new SplittableRandom(seed + n·gamma)}.
 * Doubles and Gaussians are the {@link RandomGenerator} defaults built on {@link #nextLong()}, the same values
 * {@code SplittableRandom} itself gives (it does not override them), so a job draws what it drew before this
 * class existed.
 */
public final class JobRandom implements RandomGenerator {

    static final String GOLDEN_GAMMA_HEX = "0x9e3779b97f4a7c15";
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final long seed;
    private final SplittableRandom random;
    private long draws;

    private JobRandom(long seed, long draws) {
        if (draws < 0) {
            throw new IllegalArgumentException("draws must not be negative, got " + draws);
        }
        this.seed = seed;
        this.draws = draws;
        this.random = new SplittableRandom(seed + draws * GOLDEN_GAMMA);
    }

    /** A fresh stream for a seed. */
    public static JobRandom seeded(long seed) {
        return new JobRandom(seed, 0);
    }

    /** The stream of {@code seed} after {@code draws} draws: continues exactly where that stream was. */
    public static JobRandom resumed(long seed, long draws) {
        return new JobRandom(seed, draws);
    }

    public long seed() {
        return seed;
    }

    /** 64-bit draws made since the seed. */
    public long draws() {
        return draws;
    }

    @Override
    public long nextLong() {
        draws++;
        return random.nextLong();
    }

    @Override
    public int nextInt() {
        draws++;
        return random.nextInt();
    }
}
