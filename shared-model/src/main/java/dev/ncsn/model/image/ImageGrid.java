package dev.ncsn.model.image;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns samples (float32 [n, C, H, W] row-major, pixels in [0, 1]) into one PNG: tiles in row-major order,
 * {@link #PADDING} pixels of black between them. Values outside [0, 1] are clamped, as the reference code does
 * for display.
 */
public final class ImageGrid {

    /** Pixels between tiles. */
    public static final int PADDING = 2;

    private ImageGrid() {
    }

    /** Columns for n tiles: the smallest square that holds them. */
    public static int columnsFor(int n) {
        return (int) Math.ceil(Math.sqrt(n));
    }

    public static BufferedImage render(float[] samples, int count, int channels, int height, int width) {
        return render(samples, count, channels, height, width, columnsFor(count));
    }

    public static BufferedImage render(float[] samples, int count, int channels, int height, int width, int columns) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images have 1 or 3 channels, got " + channels);
        }
        int size = channels * height * width;
        if (samples.length != count * size) {
            throw new IllegalArgumentException("expected " + count + " samples of " + size + " values, got "
                    + samples.length + " values");
        }
        int rows = (count + columns - 1) / columns;
        int gridWidth = columns * width + (columns - 1) * PADDING;
        int gridHeight = rows * height + (rows - 1) * PADDING;
        BufferedImage image = new BufferedImage(gridWidth, gridHeight,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int n = 0; n < count; n++) {
            int left = (n % columns) * (width + PADDING);
            int top = (n / columns) * (height + PADDING);
            int base = n * size;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    if (channels == 1) {
                        // Straight into the raster: setRGB on a grey image would convert sRGB to linear grey.
                        image.getRaster().setSample(left + x, top + y, 0, toByte(samples[base + p]));
                    } else {
                        image.setRGB(left + x, top + y, (toByte(samples[base + p]) << 16)
                                | (toByte(samples[base + plane + p]) << 8) | toByte(samples[base + 2 * plane + p]));
                    }
                }
            }
        }
        return image;
    }

    /** The grid {@link #render} draws, as a PNG, encoded without ImageIO ({@link PngWriter}). */
    public static byte[] png(float[] samples, int count, int channels, int height, int width) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images have 1 or 3 channels, got " + channels);
        }
        int size = channels * height * width;
        if (samples.length != count * size) {
            throw new IllegalArgumentException("expected " + count + " samples of " + size + " values, got "
                    + samples.length + " values");
        }
        int columns = columnsFor(count);
        int rows = (count + columns - 1) / columns;
        int gridWidth = columns * width + (columns - 1) * PADDING;
        int gridHeight = rows * height + (rows - 1) * PADDING;
        // Interleaved bytes, black where no tile is: the layout render() draws.
        byte[] pixels = new byte[gridWidth * gridHeight * channels];
        int plane = height * width;
        for (int n = 0; n < count; n++) {
            int left = (n % columns) * (width + PADDING);
            int top = (n / columns) * (height + PADDING);
            int base = n * size;
            for (int y = 0; y < height; y++) {
                int at = ((top + y) * gridWidth + left) * channels;
                for (int x = 0; x < width; x++) {
                    int p = base + y * width + x;
                    for (int c = 0; c < channels; c++) {
                        pixels[at++] = (byte) toByte(samples[p + c * plane]);
                    }
                }
            }
        }
        return PngWriter.encode(pixels, gridWidth, gridHeight, channels);
    }

    static int toByte(float v) {
        float clamped = Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v));
        return Math.round(clamped * 255f);
    }

    /** PNG encoding and decoding. */
    public static final class Png {
        private Png() {
        }

        public static byte[] encode(BufferedImage image) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // In memory: ImageIO.write to a plain stream would buffer through a temporary file.
            try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                if (!ImageIO.write(image, "png", stream)) {
                    throw new IllegalStateException("no PNG writer available");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
