package dev.ncsn.model.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Reads user images and masks for a model of a given input shape, rejecting anything else with a message a
 * user can act on.
 */
public final class ImageDecoder {

    private ImageDecoder() {
    }

    /** Decodes PNG, JPEG, GIF or BMP bytes; throws with a clear message when they are none of these. */
    public static BufferedImage read(byte[] bytes, String what) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException(what + " is empty");
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not a readable image: " + e.getMessage());
        }
        if (image == null) {
            throw new IllegalArgumentException(what + " is not a PNG, JPEG, GIF or BMP image");
        }
        return image;
    }

    /**
     * Decodes an image of exactly {@code width}×{@code height} pixels. The size is read from the header first (a
     * PNG's IHDR chunk, through the format's ImageIO reader) and anything else is refused before a single pixel is
     * decoded: a few kilobytes of PNG may declare 46,000 × 46,000 pixels, which would take gigabytes to decode.
     */
    public static BufferedImage read(byte[] bytes, String what, int height, int width) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException(what + " is empty");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException(what + " is not a PNG, JPEG, GIF or BMP image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w != width || h != height) {
                    throw new IllegalArgumentException(sizeMessage(what, w, h, height, width));
                }
                BufferedImage image = reader.read(0);
                requireSize(image, what, height, width);
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(what + " ")) {
                throw iae;
            }
            throw new IllegalArgumentException(what + " is not a readable image: " + e.getMessage());
        }
    }

    /**
     * Pixel (x, y) as sRGB components in [0, 1]. Grey images are read from the raster: going through getRGB
     * would apply Java's linear-grey to sRGB conversion and change every value.
     */
    private static float[] rgbAt(BufferedImage image, int x, int y) {
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && !(image.getColorModel() instanceof IndexColorModel)) {
            int bits = image.getColorModel().getComponentSize(0);
            float v = image.getRaster().getSample(x, y, 0) / (float) ((1 << bits) - 1);
            return new float[] {v, v, v};
        }
        int rgb = image.getRGB(x, y);
        return new float[] {((rgb >> 16) & 0xff) / 255f, ((rgb >> 8) & 0xff) / 255f, (rgb & 0xff) / 255f};
    }

    /**
     * The image as model input, float32 [C, H, W] in [0, 1]. A colour image given to a one-channel model is
     * converted to grey by luminance; a grey image given to a three-channel model is repeated per channel.
     */
    public static float[] pixels(byte[] bytes, int channels, int height, int width) {
        BufferedImage image = read(bytes, "image", height, width);
        float[] out = new float[channels * height * width];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float[] rgb = rgbAt(image, x, y);
                float r = rgb[0];
                float g = rgb[1];
                float b = rgb[2];
                int p = y * width + x;
                if (channels == 1) {
                    out[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    out[p] = r;
                    out[plane + p] = g;
                    out[2 * plane + p] = b;
                }
            }
        }
        return out;
    }

    /**
     * The mask as a per-value flag, true = generate, for [C, H, W]: a pixel is generated when it is light
     * (luminance at least one half), kept when dark. The same pixel mask applies to every channel.
     */
    public static boolean[] mask(byte[] bytes, int channels, int height, int width) {
        BufferedImage image = read(bytes, "mask", height, width);
        boolean[] out = new boolean[channels * height * width];
        int plane = height * width;
        int generated = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float[] rgb = rgbAt(image, x, y);
                boolean generate = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] >= 0.5;
                if (generate) {
                    generated++;
                }
                for (int c = 0; c < channels; c++) {
                    out[c * plane + y * width + x] = generate;
                }
            }
        }
        if (generated == 0) {
            throw new IllegalArgumentException("mask marks no pixel to generate (white = generate, black = keep)");
        }
        return out;
    }

    private static void requireSize(BufferedImage image, String what, int height, int width) {
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new IllegalArgumentException(sizeMessage(what, image.getWidth(), image.getHeight(), height, width));
        }
    }

    private static String sizeMessage(String what, int w, int h, int height, int width) {
        return what + " is " + w + "×" + h + " pixels; the model takes " + width + "×" + height;
    }
}
