package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.image.ImageGrid;

/** A PNG grid of samples from a short annealed-Langevin run: what a checkpoint shows of itself. */
public final class PreviewGrid {

    private PreviewGrid() {
    }

    /**
     * Samples {@code count} images from uniform noise with the reference step size and the final denoising step,
     * and returns them as one PNG grid. The model's sample shape must be (C, H, W).
     */
    public static byte[] png(ScoreModel model, int count, long seed, int stepsPerLevel, FrameListener progress) {
        long[] shape = model.sampleShape().getShape();
        if (shape.length != 3) {
            throw new IllegalArgumentException("a preview grid needs image samples (C, H, W), got " + model.sampleShape());
        }
        SamplingSpec spec = SamplingSpec.images(count, seed).withStepsPerLevel(stepsPerLevel)
                .withFrameEvery(stepsPerLevel).withFinalDenoise(true);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] samples = new SamplingRunner(model).sample(spec, null, progress, manager);
            return ImageGrid.png(samples, count, (int) shape[0], (int) shape[1], (int) shape[2]);
        }
    }
}
