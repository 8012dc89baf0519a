package dev.ncsn.model.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The PNGs PngWriter makes, read back by ImageIO's decoder: every row filter, grey and RGB. */
class PngWriterTest {

    @Test
    void everyRowFilterDecodesToThePixelsGiven() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        for (int channels : new int[] {1, 3}) {
            byte[] pixels = new byte[41 * 23 * channels]; // large enough for Paeth's ties
            random.nextBytes(pixels);
            for (int filter = -1; filter < 5; filter++) {
                byte[] png = PngWriter.encode(pixels, 41, 23, channels, filter);
                assertPixels(pixels, 41, 23, channels, png, "filter " + filter + ", " + channels + " channels");
            }
        }
    }

    @Test
    void smoothImagesCompressBetterThanNoise() {
        byte[] ramp = new byte[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                ramp[y * 64 + x] = (byte) (x + 2 * y);
            }
        }
        byte[] noise = new byte[64 * 64];
        new SplittableRandom(3).nextBytes(noise);
        int smooth = PngWriter.encode(ramp, 64, 64, 1).length;
        int unfiltered = PngWriter.encode(ramp, 64, 64, 1, 0).length;
        int random = PngWriter.encode(noise, 64, 64, 1).length;
        assertEquals(true, smooth < unfiltered, "the chosen filters beat none on a ramp: " + smooth + " vs " + unfiltered);
        assertEquals(true, smooth < random / 4, smooth + " vs " + random);
    }

    @Test
    void sizesThatDoNotMatchAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PngWriter.encode(new byte[10], 3, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> PngWriter.encode(new byte[8], 2, 2, 2));
    }

    private static void assertPixels(byte[] pixels, int width, int height, int channels, byte[] png, String what)
            throws Exception {
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(width, read.getWidth(), what);
        assertEquals(height, read.getHeight(), what);
        assertEquals(channels, read.getRaster().getNumBands(), what);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    assertEquals(pixels[(y * width + x) * channels + c] & 0xff, read.getRaster().getSample(x, y, c),
                            what + ": pixel " + x + "," + y + "," + c);
                }
            }
        }
    }
}
