package dev.ncsn.model.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * 8-bit grey or RGB PNGs straight from pixel bytes, without ImageIO. A sampler makes one for every frame of every
 * job on its sampling thread, and ImageIO's writer costs far more than the image: it is looked up among the plug-ins
 * on every call and, by default, buffers through a temporary file ({@code ImageIO.getUseCache()}). Rows are filtered
 * as libpng chooses by default (per row, the filter whose output has the smallest sum of absolute values) and
 * deflated at zlib's default level.
 */
public final class PngWriter {

    /**
     * One zlib state per thread, reset between images: making and ending one per image cost more than deflating a
     * frame (zlib allocates its window each time). A sampling thread lives as long as its worker.
     */
    private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal.withInitial(
            () -> new Deflater(Deflater.DEFAULT_COMPRESSION));
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngWriter() {
    }

    /**
     * @param pixels   row-major, channels interleaved (R, G, B per pixel for colour), width·height·channels bytes
     * @param channels 1 (grey) or 3 (RGB)
     */
    public static byte[] encode(byte[] pixels, int width, int height, int channels) {
        return encode(pixels, width, height, channels, -1);
    }

    /** As {@link #encode(byte[], int, int, int)}; {@code onlyFilter} 0..4 forces that row filter (tests), -1 chooses. */
    static byte[] encode(byte[] pixels, int width, int height, int channels, int onlyFilter) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("a PNG here has 1 or 3 channels, got " + channels);
        }
        if (width < 1 || height < 1 || pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException(width + "×" + height + "×" + channels + " pixels expected, got "
                    + pixels.length + " bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + pixels.length / 2);
        out.writeBytes(SIGNATURE);
        byte[] header = new byte[13];
        putInt(header, 0, width);
        putInt(header, 4, height);
        header[8] = 8;                                  // bits per channel
        header[9] = (byte) (channels == 1 ? 0 : 2);     // colour type: grey, or RGB
        chunk(out, "IHDR", header, header.length);      // compression, filter method and interlace all 0
        byte[] filtered = filter(pixels, width * channels, height, channels, onlyFilter);
        Deflater deflater = DEFLATER.get();
        deflater.reset();
        try {
            deflater.setInput(filtered);
            deflater.finish();
            byte[] compressed = new byte[filtered.length + filtered.length / 1000 + 64];
            int length = 0;
            while (!deflater.finished()) {
                if (length == compressed.length) {
                    compressed = java.util.Arrays.copyOf(compressed, compressed.length * 2);
                }
                length += deflater.deflate(compressed, length, compressed.length - length);
            }
            chunk(out, "IDAT", compressed, length);
        } finally {
            deflater.reset();
        }
        chunk(out, "IEND", new byte[0], 0);
        return out.toByteArray();
    }

    /** Each row prefixed with its filter type and filtered by it. */
    private static byte[] filter(byte[] pixels, int stride, int height, int bpp, int onlyFilter) {
        byte[] raw = new byte[height * (stride + 1)];
        byte[][] candidates = new byte[5][stride];
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int up = row - stride;
            long bestSum = Long.MAX_VALUE;
            int best = 0;
            for (int type = 0; type < 5; type++) {
                if (onlyFilter >= 0 && type != onlyFilter) {
                    continue;
                }
                byte[] c = candidates[type];
                long sum = 0;
                for (int i = 0; i < stride; i++) {
                    int x = pixels[row + i] & 0xff;
                    int a = i >= bpp ? pixels[row + i - bpp] & 0xff : 0;
                    int b = y > 0 ? pixels[up + i] & 0xff : 0;
                    int d = i >= bpp && y > 0 ? pixels[up + i - bpp] & 0xff : 0;
                    int v = switch (type) {
                        case 0 -> x;
                        case 1 -> x - a;
                        case 2 -> x - b;
                        case 3 -> x - ((a + b) >>> 1);
                        default -> x - paeth(a, b, d);
                    };
                    c[i] = (byte) v;
                    sum += Math.abs((int) c[i]);
                }
                if (sum < bestSum) {
                    bestSum = sum;
                    best = type;
                }
            }
            int at = y * (stride + 1);
            raw[at] = (byte) best;
            System.arraycopy(candidates[best], 0, raw, at + 1, stride);
        }
        return raw;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int length) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        byte[] word = new byte[4];
        putInt(word, 0, length);
        out.writeBytes(word);
        out.writeBytes(typeBytes);
        out.write(data, 0, length);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data, 0, length);
        putInt(word, 0, (int) crc.getValue());
        out.writeBytes(word);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
