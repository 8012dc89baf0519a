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

    /** All samples ([count, C·H·W], pixels in [0, 1], clamped) as one base64 PNG grid. */
    static String grid(float[] samples, int count, ServedModel model) {
        return Base64.getEncoder().encodeToString(
                ImageGrid.png(samples, count, model.channels(), model.height(), model.width()));
    }

    /** Each sample as its own base64 PNG, in order. */
    static List<String> each(float[] samples, int count, ServedModel model) {
        int size = model.channels() * model.height() * model.width();
        List<String> images = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            float[] one = Arrays.copyOfRange(samples, n * size, (n + 1) * size);
            images.add(Base64.getEncoder().encodeToString(
                    ImageGrid.png(one, 1, model.channels(), model.height(), model.width())));
        }
        return images;
    }
}
