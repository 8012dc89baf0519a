package dev.ncsn.model.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

class LossCurvePlotTest {

    private static final int BLUE = 0x1F5FBF;

    private static BufferedImage decode(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "a readable PNG");
        return image;
    }

    private static int count(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aFallingCurveIsDrawnAsAPngOfTheAskedSize() throws IOException {
        int n = 200;
        long[] steps = new long[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = 10L * (i + 1);
            losses[i] = 5.0 * Math.exp(-i / 30.0) + 0.01 * (i % 3);
        }
        BufferedImage image = decode(LossCurvePlot.png(steps, losses, 400, 240, "fashion-mnist"));
        assertEquals(400, image.getWidth());
        assertEquals(240, image.getHeight());
        assertTrue(count(image, BLUE) > 100, "the smoothed curve is drawn");

        // Falling: the curve's pixels in the left part of the plot lie higher (smaller y) than in the right part.
        double left = meanRowOf(image, BLUE, 64, 160);
        double right = meanRowOf(image, BLUE, 280, 384);
        assertTrue(left < right, "left " + left + " right " + right);
    }

    private static double meanRowOf(BufferedImage image, int rgb, int x0, int x1) {
        double sum = 0;
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    sum += y;
                    n++;
                }
            }
        }
        assertTrue(n > 0, "curve pixels between x=" + x0 + " and " + x1);
        return sum / n;
    }

    @Test
    void emptySingleAndNonFiniteInputsStillGiveAnImage() throws IOException {
        assertEquals(LossCurvePlot.DEFAULT_WIDTH, decode(LossCurvePlot.png(new long[0], new double[0], null)).getWidth());
        BufferedImage one = decode(LossCurvePlot.png(new long[] {5}, new double[] {0.3}, "one"));
        assertTrue(count(one, BLUE) > 0, "a single point is visible");
        BufferedImage gaps = decode(LossCurvePlot.png(new long[] {1, 2, 3, 4},
                new double[] {1.0, Double.NaN, Double.POSITIVE_INFINITY, 0.5}, null));
        assertTrue(count(gaps, BLUE) > 0);
        BufferedImage flat = decode(LossCurvePlot.png(new long[] {1, 2, 3}, new double[] {0.2, 0.2, 0.2}, null));
        assertTrue(count(flat, BLUE) > 0, "a constant loss is drawn mid-plot, not off scale");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> LossCurvePlot.png(new long[] {1, 2}, new double[] {1}, null));
        assertThrows(IllegalArgumentException.class,
                () -> LossCurvePlot.png(new long[] {1}, new double[] {1}, 10, 10, null));
    }

    @Test
    void ticksAndLabelsAreRound() {
        assertEquals(2.0, LossCurvePlot.niceStep(1.3));
        assertEquals(500.0, LossCurvePlot.niceStep(420));
        assertEquals(java.util.List.of(0L, 200L, 400L, 600L, 800L, 1000L), LossCurvePlot.stepTicks(0, 1000));
        assertEquals("0.05", LossCurvePlot.formatLoss(0.05));
        assertEquals("1e-04", LossCurvePlot.formatLoss(1e-4));
        assertEquals("12.5", LossCurvePlot.formatLoss(12.5));
    }
}
