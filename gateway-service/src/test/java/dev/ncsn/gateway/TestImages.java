package dev.ncsn.gateway;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** Grey PNGs for inpainting tests. */
final class TestImages {

    private TestImages() {
    }

    /** A deterministic grey pattern. */
    static int[][] pattern(int size) {
        int[][] v = new int[size][size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                v[y][x] = (x * 9 + y * 5 + (x * y) % 7 * 11) % 256;
            }
        }
        return v;
    }

    /** A mask that generates the right half (x at least size / 2). */
    static int[][] rightHalf(int size) {
        int[][] v = new int[size][size];
        for (int y = 0; y < size; y++) {
            for (int x = size / 2; x < size; x++) {
                v[y][x] = 255;
            }
        }
        return v;
    }

    static byte[] png(int[][] grey) {
        int h = grey.length;
        int w = grey[0].length;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.getRaster().setSample(x, y, 0, grey[y][x]);
            }
        }
        return write(image, "png");
    }

    static byte[] jpeg(int size) {
        return write(new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY), "jpg");
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static BufferedImage read(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            if (image == null) {
                throw new AssertionError("not an image");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG data URL's image. */
    static BufferedImage fromDataUrl(String dataUrl) {
        String prefix = "data:image/png;base64,";
        if (!dataUrl.startsWith(prefix)) {
            throw new AssertionError("not a PNG data URL: " + dataUrl.substring(0, Math.min(40, dataUrl.length())));
        }
        return read(Base64.getDecoder().decode(dataUrl.substring(prefix.length())));
    }

    private static byte[] write(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, format, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
