package dev.ncsn.model.data;

/**
 * A fixed set of images of one shape (C, H, W), pixels float32 in [0, 1], laid out channel-major (all of channel 0
 * row by row, then channel 1, ...), the layout the score network takes.
 *
 * <p>Implementations are immutable and safe to read from several threads.
 */
public interface Dataset {

    /** Number of images. */
    int size();

    int channels();

    int height();

    int width();

    /** C·H·W, the number of floats in one image. */
    default int valuesPerImage() {
        return channels() * height() * width();
    }

    /** Where the images came from (a path, an object name), for logs and messages. */
    String source();

    /**
     * Writes image {@code i} as {@link #valuesPerImage()} floats in [0, 1] to {@code dst[offset ...]}.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not in [0, size()) or {@code dst} is too short
     */
    void copy(int i, float[] dst, int offset);

    /** Image {@code i} as a new array of {@link #valuesPerImage()} floats, shape (C, H, W). */
    default float[] image(int i) {
        float[] out = new float[valuesPerImage()];
        copy(i, out, 0);
        return out;
    }

    /** The images at {@code indices}, one after another, as a new array of shape [indices.length, C, H, W]. */
    default float[] batch(int[] indices) {
        int per = valuesPerImage();
        float[] out = new float[Math.multiplyExact(indices.length, per)];
        for (int k = 0; k < indices.length; k++) {
            copy(indices[k], out, k * per);
        }
        return out;
    }
}
