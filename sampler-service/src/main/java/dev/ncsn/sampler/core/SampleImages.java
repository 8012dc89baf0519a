package dev.ncsn.sampler.core;

import dev.ncsn.model.image.ImageGrid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Samples as the base64 PNGs of the frames topic: a grid of all samples, or each sample alone. */
final class SampleImages {

    private SampleImages() {
    }

    /**
     * The shape of a version's images, kept apart from the version: the events of a job's last step are made after
     * the job gave its version back, which may have closed it.
     */
    record Tiles(int channels, int height, int width) {

        static Tiles of(ServedModel model) {
            return new Tiles(model.channels(), model.height(), model.width());
        }

        /** All samples ([count, C·H·W], pixels in [0, 1], clamped) as one base64 PNG grid. */
        String grid(float[] samples, int count) {
            return Base64.getEncoder().encodeToString(ImageGrid.png(samples, count, channels, height, width));
        }

        /** Each sample as its own base64 PNG, in order. */
        List<String> each(float[] samples, int count) {
            int size = channels * height * width;
            List<String> images = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                float[] one = Arrays.copyOfRange(samples, n * size, (n + 1) * size);
                images.add(Base64.getEncoder().encodeToString(ImageGrid.png(one, 1, channels, height, width)));
            }
            return images;
        }
    }
}
