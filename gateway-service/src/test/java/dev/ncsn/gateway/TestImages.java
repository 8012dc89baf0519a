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

    /**
     * A decompression bomb's header: a valid PNG declaring width × height 8-bit grey pixels, with a few kB of
     * compressed zero rows. Decoding it would allocate width × height bytes before reading them.
     */
    static byte[] declaredPng(int width, int height) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream data = new java.io.DataOutputStream(out);
            data.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            java.io.ByteArrayOutputStream ihdr = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream h = new java.io.DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {8, 0, 0, 0, 0});
            chunk(data, "IHDR", ihdr.toByteArray());
            java.util.zip.Deflater deflater = new java.util.zip.Deflater(9);
            deflater.setInput(new byte[1 << 20]);
            deflater.finish();
            byte[] buffer = new byte[1 << 16];
            chunk(data, "IDAT", java.util.Arrays.copyOf(buffer, deflater.deflate(buffer)));
            chunk(data, "IEND", new byte[0]);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void chunk(java.io.DataOutputStream out, String type, byte[] body) throws java.io.IOException {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeInt(body.length);
        out.write(t);
        out.write(body);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(t);
        crc.update(body);
        out.writeInt((int) crc.getValue());
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
