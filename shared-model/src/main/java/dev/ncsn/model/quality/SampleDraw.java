package dev.ncsn.model.quality;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.sampling.Frame;
import dev.ncsn.model.sampling.Sampler;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.SamplingSpec;

import java.util.Objects;

/**
 * How the images a quality figure is computed on are drawn from a score model: {@code count} samples in batches of
 * {@code batch}, batch k from seed {@code seed + k}, each quantised to 8 bits as a PNG would be (so scoring the saved
 * PNGs again gives the same figures). The one implementation behind {@code ncsn evaluate} and the trainer's FID gate:
 * the same draw of two models starts from the same noise, so their figures differ by the models, not by luck.
 *
 * @param count         samples
 * @param batch         samples drawn together
 * @param seed          the first batch's seed
 * @param sampler       the update rule with its options
 * @param stepsPerLevel T
 * @param stepSize      ε of Algorithm 1
 * @param finalDenoise  the noise-free final step (callers take the network family's default when nobody chose)
 */
public record SampleDraw(int count, int batch, long seed, Sampler sampler, int stepsPerLevel, double stepSize,
                         boolean finalDenoise) {

    /** Told after each frame: network evaluations done so far (all batches) and the frame. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, from, size, frame) -> { };

        void update(long evaluationsDone, int firstImage, int batchSize, Frame frame);
    }

    public SampleDraw {
        if (count < 1 || batch < 1) {
            throw new IllegalArgumentException("a draw needs at least one sample and a positive batch, got count "
                    + count + ", batch " + batch);
        }
        Objects.requireNonNull(sampler, "sampler");
        if (stepsPerLevel < 1) {
            throw new IllegalArgumentException("stepsPerLevel must be at least 1, got " + stepsPerLevel);
        }
    }

    /** The spec of batch k, of {@code size} samples. */
    public SamplingSpec spec(int size, int k) {
        return SamplingSpec.images(size, seed + k).withSampler(sampler).withStepsPerLevel(stepsPerLevel)
                .withEpsilon(stepSize).withFinalDenoise(finalDenoise).withFrameEvery(Math.max(1, stepsPerLevel / 10));
    }

    /** Network evaluations per sample on this model (the final step included). */
    public int networkEvaluations(ScoreModel model) {
        return new SamplingRunner(model).networkEvaluations(spec(1, 0));
    }

    /** Draws the samples, (C, H, W) each, one after another, in [0, 1] on the 8-bit grid. */
    public float[] draw(ScoreModel model, Progress progress) {
        long[] shape = model.sampleShape().getShape();
        int per = 1;
        for (long d : shape) {
            per = Math.multiplyExact(per, (int) d);
        }
        SamplingRunner runner = new SamplingRunner(model);
        long perSample = runner.networkEvaluations(spec(1, 0));
        float[] out = new float[Math.multiplyExact(count, per)];
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int from = 0, k = 0; from < count; from += batch, k++) {
                int size = Math.min(batch, count - from);
                long done = perSample * from;
                int first = from;
                float[] x;
                try (NDManager scope = manager.newSubManager()) {
                    x = runner.sample(spec(size, k), null,
                            frame -> progress.update(done + (long) frame.completedSteps() * size, first, size, frame),
                            scope);
                }
                for (int i = 0; i < size * per; i++) {
                    out[from * per + i] = quantise(x[i]);
                }
            }
        }
        return out;
    }

    /** Clamped to [0, 1] and rounded to the nearest of 256 grey levels, as writing a PNG does. */
    public static float quantise(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f) / 255f;
    }
}
