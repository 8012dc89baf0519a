package dev.ncsn.model.data;

import java.util.List;
import java.util.Objects;

/**
 * A {@link Dataset} held in memory as unsigned bytes (0–255, one per value, images in (C, H, W) order one after
 * another) and converted to float {@code v / 255} on copy, as torchvision's {@code ToTensor} does. 60 000 MNIST
 * images take 47 MB.
 */
public final class ByteDataset implements Dataset {

    private static final float[] TO_FLOAT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            TO_FLOAT[v] = v / 255f;
        }
    }

    private final String source;
    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int per;
    private final byte[] pixels;
    /** Index in {@link #pixels} of value 0 of image 0: slices share the array of the dataset they come from. */
    private final int start;

    /**
     * Wraps {@code pixels} (not copied: the caller hands it over) holding {@code size} images of (channels, height,
     * width) unsigned bytes, channel-major.
     */
    public ByteDataset(String source, int size, int channels, int height, int width, byte[] pixels) {
        this(source, size, channels, height, width, pixels, 0);
        long expected = (long) size * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(size + " images of " + channels + "×" + height + "×" + width
                    + " need " + expected + " bytes, got " + pixels.length);
        }
    }

    private ByteDataset(String source, int size, int channels, int height, int width, byte[] pixels, int start) {
        this.source = Objects.requireNonNull(source, "source");
        if (size < 0 || channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad dataset shape: " + size + " images of " + channels + "×" + height
                    + "×" + width);
        }
        if ((long) channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image of " + channels + "×" + height + "×" + width + " is too large");
        }
        this.size = size;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.per = channels * height * width;
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.start = start;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int valuesPerImage() {
        return per;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void copy(int i, float[] dst, int offset) {
        Objects.checkIndex(i, size);
        Objects.checkFromIndexSize(offset, per, dst.length);
        int from = start + i * per;
        for (int k = 0; k < per; k++) {
            dst[offset + k] = TO_FLOAT[pixels[from + k] & 0xff];
        }
    }

    /** The stored value (0–255) of image {@code i}, channel {@code c}, row {@code y}, column {@code x}. */
    public int pixel(int i, int c, int y, int x) {
        Objects.checkIndex(i, size);
        Objects.checkIndex(c, channels);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return pixels[start + i * per + (c * height + y) * width + x] & 0xff;
    }

    /** Image {@code i} as a copy of its stored bytes, (C, H, W). */
    public byte[] bytes(int i) {
        Objects.checkIndex(i, size);
        byte[] out = new byte[per];
        System.arraycopy(pixels, start + i * per, out, 0, per);
        return out;
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive), sharing this dataset's memory. */
    public ByteDataset slice(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        return new ByteDataset(source + "[" + from + ":" + to + "]", to - from, channels, height, width, pixels,
                start + from * per);
    }

    /** The images of all {@code parts} in order, copied into one array; all parts must have the same shape. */
    public static ByteDataset concat(String source, List<ByteDataset> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate for " + source);
        }
        ByteDataset first = parts.get(0);
        long total = 0;
        for (ByteDataset p : parts) {
            if (p.channels != first.channels || p.height != first.height || p.width != first.width) {
                throw new DatasetException(source + ": " + p.source + " holds images of " + p.shape() + " but "
                        + first.source + " holds " + first.shape() + "; all parts must have one shape");
            }
            total += p.size;
        }
        long bytes = total * first.per;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new DatasetException(source + ": " + total + " images of " + first.shape() + " (" + bytes
                    + " bytes) do not fit in one array");
        }
        byte[] all = new byte[(int) bytes];
        int at = 0;
        for (ByteDataset p : parts) {
            int n = p.size * p.per;
            System.arraycopy(p.pixels, p.start, all, at, n);
            at += n;
        }
        return new ByteDataset(source, (int) total, first.channels, first.height, first.width, all);
    }

    String shape() {
        return channels + "×" + height + "×" + width;
    }

    @Override
    public String toString() {
        return size + " images of " + shape() + " from " + source;
    }
}
