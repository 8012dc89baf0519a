package dev.ncsn.model.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.*;

class ImageGridTest {

    @Test
    void tilesAreRowMajorWithTwoPixelsOfPadding() {
        int n = 5;
        float[] samples = new float[n * 4 * 3];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(samples, i * 12, (i + 1) * 12, (i + 1) / 5f);
        }
        BufferedImage grid = ImageGrid.render(samples, n, 1, 4, 3);
        // 3 columns, 2 rows of 3×4 tiles with 2 px between them
        assertEquals(3 * 3 + 2 * 2, grid.getWidth());
        assertEquals(2 * 4 + 2, grid.getHeight());
        assertEquals(51, grid.getRaster().getSample(0, 0, 0));          // tile 0
        assertEquals(102, grid.getRaster().getSample(5, 0, 0));         // tile 1 starts at x = 3 + 2
        assertEquals(0, grid.getRaster().getSample(3, 0, 0));           // padding
        assertEquals(204, grid.getRaster().getSample(0, 6, 0));         // tile 3 starts the second row at y = 4 + 2
        assertEquals(255, grid.getRaster().getSample(5, 9, 0));         // tile 4
    }

    @Test
    void pngRoundTripsThroughTheDecoderForOneTile() {
        float[] pixels = new float[28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 256) / 255f;
        }
        byte[] png = ImageGrid.png(pixels, 1, 1, 28, 28);
        float[] back = ImageDecoder.pixels(png, 1, 28, 28);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(pixels[i], back[i], 1e-3);
        }
    }

    @Test
    void colourImagesKeepTheirChannels() {
        float[] rgb = new float[3 * 2 * 2];
        rgb[0] = 1f;            // red plane, pixel (0,0)
        rgb[4 + 1] = 1f;        // green plane, pixel (1,0)
        rgb[8 + 2] = 1f;        // blue plane, pixel (0,1)
        float[] back = ImageDecoder.pixels(ImageGrid.png(rgb, 1, 3, 2, 2), 3, 2, 2);
        assertArrayEquals(rgb, back, 1e-6f);
    }

    @Test
    void valuesOutsideTheUnitRangeAreClamped() {
        BufferedImage grid = ImageGrid.render(new float[] {-0.5f, 1.7f, Float.NaN, 0.5f}, 1, 1, 2, 2);
        assertEquals(0, grid.getRaster().getSample(0, 0, 0));
        assertEquals(255, grid.getRaster().getSample(1, 0, 0));
        assertEquals(0, grid.getRaster().getSample(0, 1, 0));
        assertEquals(128, grid.getRaster().getSample(1, 1, 0));
    }

    @Test
    void maskWhiteMeansGenerate() {
        float[] maskPixels = {1f, 0f, 0.9f, 0.1f};
        boolean[] mask = ImageDecoder.mask(ImageGrid.png(maskPixels, 1, 1, 2, 2), 1, 2, 2);
        assertArrayEquals(new boolean[] {true, false, true, false}, mask);
    }

    @Test
    void wrongSizesFormatsAndEmptyMasksAreRejectedClearly() {
        byte[] small = ImageGrid.png(new float[16], 1, 1, 4, 4);
        var size = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.pixels(small, 1, 28, 28));
        assertEquals("image is 4×4 pixels; the model takes 28×28", size.getMessage());
        var format = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.pixels("not an image".getBytes(), 1, 28, 28));
        assertTrue(format.getMessage().startsWith("image is not"), format.getMessage());
        var empty = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.mask(small, 1, 4, 4));
        assertTrue(empty.getMessage().contains("no pixel to generate"));
    }

    @Test
    void thePngHoldsExactlyThePixelsRenderDraws() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int channels : new int[] {1, 3}) {
            for (int count : new int[] {1, 5, 16}) {
                float[] samples = new float[count * channels * 7 * 9];
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = (float) (random.nextDouble() * 1.4 - 0.2); // some outside [0, 1]: clamped
                }
                // smooth rows too, so that every row filter gets chosen somewhere
                for (int i = 0; i < samples.length / 2; i++) {
                    samples[i] = (i % 9) / 9f;
                }
                BufferedImage drawn = ImageGrid.render(samples, count, channels, 7, 9);
                byte[] png = ImageGrid.png(samples, count, channels, 7, 9);
                BufferedImage read = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
                assertEquals(drawn.getWidth(), read.getWidth());
                assertEquals(drawn.getHeight(), read.getHeight());
                for (int y = 0; y < drawn.getHeight(); y++) {
                    for (int x = 0; x < drawn.getWidth(); x++) {
                        for (int c = 0; c < channels; c++) {
                            assertEquals(drawn.getRaster().getSample(x, y, c), read.getRaster().getSample(x, y, c),
                                    channels + " channels, " + count + " tiles, pixel " + x + "," + y + "," + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void thePngIsTheSameBytesEveryTime() {
        float[] samples = new float[4 * 28 * 28];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) Math.sin(i * 0.01);
        }
        assertArrayEquals(ImageGrid.png(samples, 4, 1, 28, 28), ImageGrid.png(samples.clone(), 4, 1, 28, 28));
    }
}
