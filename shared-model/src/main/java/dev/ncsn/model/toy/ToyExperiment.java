package dev.ncsn.model.toy;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.Sampler;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.SamplingSpec;

/**
 * The paper's Figure 3: sampling p = 1/5·N((−5,−5), I) + 4/5·N((5,5), I) from uniform noise on [−8, 8]² with plain
 * and with annealed Langevin dynamics. Plain Langevin cannot move mass between the two separated modes, so it
 * keeps roughly the half–half split of the uniform start; annealed Langevin recovers the 1/5 : 4/5 weights.
 *
 * <p>Settings follow the reference toy code: T = 100 steps per level over σ from 20 down to 1
 * ({@link dev.ncsn.model.NoiseSchedule#TOY}) and ε = 0.1, with Algorithm 1's update; plain Langevin runs the
 * same 1000 steps at the smallest level.
 */
public final class ToyExperiment {

    /** The reference toy code's step size (its lr), in Algorithm 1's convention. */
    public static final double EPSILON = 0.1;
    public static final double INIT_BOUND = 8.0;

    private ToyExperiment() {
    }

    /** What one run measured. */
    public record Result(double lowerLeftFraction, double upperRightFraction, double meanDistanceToNearestMode,
                         float[] samples) {
    }

    /** Batch size and EMA rate of {@link #learnScore}: EMA 0.99 suits a few thousand steps (0.999 suits 10⁵). */
    public static final int TRAIN_BATCH = 128;
    public static final double TRAIN_EMA_RATE = 0.99;

    /**
     * The paper's Figure 2/3 with a learned score: trains a {@link ToyScoreNetwork} by denoising score matching
     * (Adam, the paper's lr 10⁻³) on fresh samples of the mixture at the toy schedule, and returns it holding the
     * EMA of its weights. Every random number comes from seed.
     *
     * @param progress called after each step with (steps done, batch loss)
     */
    public static ToyScoreNetwork learnScore(int steps, long seed, java.util.function.ObjLongConsumer<Double> progress) {
        GaussianMixture mixture = GaussianMixture.paperToy();
        java.util.SplittableRandom data = new java.util.SplittableRandom(seed);
        var dsm = new dev.ncsn.model.loss.DenoisingScoreMatching();
        ToyScoreNetwork net = new ToyScoreNetwork(dev.ncsn.model.NoiseSchedule.TOY, seed);
        try (var adam = dev.ncsn.model.train.Adam.paper();
             var ema = new dev.ncsn.model.train.ExponentialMovingAverage(net.parameters(), TRAIN_EMA_RATE);
             NDManager manager = NDManager.newBaseManager()) {
            for (int step = 0; step < steps; step++) {
                try (NDManager m = manager.newSubManager()) {
                    var x = m.create(mixture.sample(TRAIN_BATCH, data), new ai.djl.ndarray.types.Shape(TRAIN_BATCH, 2));
                    double loss;
                    try (var collector = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                        var value = dsm.loss(net, x, data.split());
                        loss = value.getFloat();
                        collector.backward(value);
                    }
                    adam.step(net.parameters());
                    ema.update(net.parameters());
                    progress.accept(loss, step + 1);
                }
            }
            ema.copyTo(net);
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** The reference toy settings with any sampler: T = 100, ε = 0.1, uniform noise on [−8, 8]². */
    public static SamplingSpec spec(Sampler sampler, int samples, long seed) {
        return new SamplingSpec(samples, seed, sampler, SamplingSpec.PAPER_STEPS_PER_LEVEL, EPSILON, 0, false,
                SamplingSpec.PAPER_STEPS_PER_LEVEL, -INIT_BOUND, INIT_BOUND);
    }

    public static Result run(ScoreModel score, SamplingSpec spec, FrameListener progress) {
        var runner = new SamplingRunner(score);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] x = runner.sample(spec, null, progress, manager);
            return measure(x);
        }
    }

    /** Shares of samples nearer each mode of {@link GaussianMixture#paperToy()}, and the mean distance to it. */
    public static Result measure(float[] samples) {
        int n = samples.length / 2;
        int lowerLeft = 0;
        double distance = 0;
        for (int i = 0; i < n; i++) {
            double toLow = Math.hypot(samples[2 * i] + 5, samples[2 * i + 1] + 5);
            double toHigh = Math.hypot(samples[2 * i] - 5, samples[2 * i + 1] - 5);
            if (toLow < toHigh) {
                lowerLeft++;
            }
            distance += Math.min(toLow, toHigh);
        }
        double fraction = (double) lowerLeft / n;
        return new Result(fraction, 1 - fraction, distance / n, samples);
    }
}
