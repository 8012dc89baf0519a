package dev.ncsn.model.sampling;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A job's random stream: SplittableRandom seeded by the job's seed, counting the 64-bit values drawn so that a
 * snapshot can record the stream's position ({@link #draws()}) and a resumed job can continue it exactly
 * ({@link #resumed}). Every other method of RandomGenerator (nextDouble, nextGaussian) is built on
 * {@link #nextLong()}, so the count is complete; the values equal SplittableRandom's own.
 */
public final class JobRandom implements RandomGenerator {

    private final long seed;
    private final SplittableRandom random;
    private long draws;

    public JobRandom(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The stream of seed after {@code draws} values, as a snapshot recorded it. */
    public static JobRandom resumed(long seed, long draws) {
        JobRandom r = new JobRandom(seed);
        for (long i = 0; i < draws; i++) {
            r.nextLong();
        }
        return r;
    }

    public long seed() {
        return seed;
    }

    /** 64-bit values drawn so far. */
    public long draws() {
        return draws;
    }

    @Override
    public long nextLong() {
        draws++;
        return random.nextLong();
    }
}
