package dev.ncsn.model.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A training loss curve as a PNG, drawn with plain Java2D (no charting library): the recorded points in light grey,
 * an exponential moving average of them in blue, step on the x axis and loss on the y axis, log-scaled when the
 * losses are positive and span more than one decade (DSM losses fall by orders of magnitude early on).
 *
 * <p>Non-finite points are skipped. No points, or a single one, still give a valid image. Axis labels need a font;
 * where the JVM has none (a font-less container image), the curve is drawn without them rather than failing.
 */
public final class LossCurvePlot {

    public static final int DEFAULT_WIDTH = 640;
    public static final int DEFAULT_HEIGHT = 360;

    private static final Color BACKGROUND = Color.WHITE;
    private static final Color GRID = new Color(0xE4E4E4);
    private static final Color AXIS = new Color(0x444444);
    private static final Color RAW = new Color(0xB8B8B8);
    private static final Color SMOOTH = new Color(0x1F5FBF);
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 28;
    private static final int BOTTOM = 36;

    private LossCurvePlot() {
    }

    /** {@link #png(long[], double[], int, int, String)} at {@value #DEFAULT_WIDTH}×{@value #DEFAULT_HEIGHT}. */
    public static byte[] png(long[] steps, double[] losses, String title) {
        return png(steps, losses, DEFAULT_WIDTH, DEFAULT_HEIGHT, title);
    }

    /** The curve of {@code losses[i]} at {@code steps[i]} as PNG bytes. */
    public static byte[] png(long[] steps, double[] losses, int width, int height, String title) {
        return ImageGrid.Png.encode(render(steps, losses, width, height, title));
    }

    /**
     * Draws the curve.
     *
     * @param steps  x values, one per point (any order is drawn in the given order; pass them ascending)
     * @param losses y values, same length
     * @param title  drawn above the plot; may be null
     */
    public static BufferedImage render(long[] steps, double[] losses, int width, int height, String title) {
        if (steps.length != losses.length) {
            throw new IllegalArgumentException(steps.length + " steps for " + losses.length + " losses");
        }
        if (width < LEFT + RIGHT + 20 || height < TOP + BOTTOM + 20) {
            throw new IllegalArgumentException("a loss plot needs at least " + (LEFT + RIGHT + 20) + "×"
                    + (TOP + BOTTOM + 20) + " pixels, got " + width + "×" + height);
        }
        int n = 0;
        long[] x = new long[steps.length];
        double[] y = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            if (Double.isFinite(losses[i])) {
                x[n] = steps[i];
                y[n++] = losses[i];
            }
        }
        x = Arrays.copyOf(x, n);
        y = Arrays.copyOf(y, n);

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            int plotW = width - LEFT - RIGHT;
            int plotH = height - TOP - BOTTOM;

            long xMin = n == 0 ? 0 : min(x);
            long xMax = n == 0 ? 1 : max(x);
            if (xMax == xMin) {
                xMax = xMin + 1;
            }
            double yLo = n == 0 ? 0 : min(y);
            double yHi = n == 0 ? 1 : max(y);
            boolean log = yLo > 0 && yHi / yLo > 10;
            Scale ys2 = Scale.of(yLo, yHi, log);

            // grid and y ticks
            List<Double> yTicks = ys2.ticks();
            g.setStroke(new BasicStroke(1f));
            for (double t : yTicks) {
                int py = TOP + plotH - (int) Math.round(ys2.fraction(t) * plotH);
                g.setColor(GRID);
                g.drawLine(LEFT, py, LEFT + plotW, py);
                label(g, AXIS, formatLoss(t), LEFT - 6, py, Align.RIGHT_MIDDLE);
            }
            List<Long> xTicks = stepTicks(xMin, xMax);
            for (long t : xTicks) {
                int px = LEFT + (int) Math.round((double) (t - xMin) / (xMax - xMin) * plotW);
                g.setColor(GRID);
                g.drawLine(px, TOP, px, TOP + plotH);
                label(g, AXIS, Long.toString(t), px, TOP + plotH + 4, Align.CENTER_TOP);
            }
            g.setColor(AXIS);
            g.drawRect(LEFT, TOP, plotW, plotH);
            label(g, AXIS, "step", LEFT + plotW / 2, height - 14, Align.CENTER_TOP);
            label(g, AXIS, title == null ? (log ? "loss (log scale)" : "loss")
                    : title + (log ? "  (log scale)" : ""), LEFT, 8, Align.LEFT_TOP);

            if (n == 0) {
                label(g, AXIS, "no losses recorded yet", LEFT + plotW / 2, TOP + plotH / 2, Align.CENTER_MIDDLE);
                return image;
            }
            g.setClip(LEFT, TOP, plotW + 1, plotH + 1);
            double[] smooth = smoothed(y);
            draw(g, RAW, 1f, x, y, xMin, xMax, ys2, plotW, plotH);
            draw(g, SMOOTH, 2f, x, smooth, xMin, xMax, ys2, plotW, plotH);
            return image;
        } finally {
            g.dispose();
        }
    }

    /** An exponential moving average whose span grows with the number of points (about n/50, at least 1). */
    static double[] smoothed(double[] y) {
        double[] out = new double[y.length];
        double alpha = 1.0 / Math.max(1.0, y.length / 50.0);
        double s = Double.NaN;
        for (int i = 0; i < y.length; i++) {
            s = Double.isNaN(s) ? y[i] : s + alpha * (y[i] - s);
            out[i] = s;
        }
        return out;
    }

    private static void draw(Graphics2D g, Color color, float width, long[] x, double[] y, long xMin, long xMax,
                             Scale scale, int plotW, int plotH) {
        g.setColor(color);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        if (x.length == 1) {
            int px = LEFT + plotW / 2;
            int py = TOP + plotH - (int) Math.round(scale.fraction(y[0]) * plotH);
            g.fillOval(px - 3, py - 3, 6, 6);
            return;
        }
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < x.length; i++) {
            double px = LEFT + (double) (x[i] - xMin) / (xMax - xMin) * plotW;
            double py = TOP + plotH - scale.fraction(y[i]) * plotH;
            if (i == 0) {
                path.moveTo(px, py);
            } else {
                path.lineTo(px, py);
            }
        }
        g.draw(path);
    }

    /** Linear or log10 mapping of [lo, hi] onto [0, 1], with a little headroom. */
    private record Scale(double lo, double hi, boolean log) {

        static Scale of(double lo, double hi, boolean log) {
            if (log) {
                double a = Math.log10(lo);
                double b = Math.log10(hi);
                return new Scale(a, b, true);
            }
            if (hi == lo) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                return new Scale(lo - pad, hi + pad, false);
            }
            double pad = (hi - lo) * 0.05;
            return new Scale(lo - pad, hi + pad, false);
        }

        double fraction(double v) {
            double t = log ? Math.log10(v) : v;
            return (t - lo) / (hi - lo);
        }

        List<Double> ticks() {
            List<Double> out = new ArrayList<>();
            if (log) {
                for (int e = (int) Math.ceil(lo - 1e-9); e <= Math.floor(hi + 1e-9); e++) {
                    out.add(Math.pow(10, e));
                }
                if (out.size() < 2) {
                    out.clear();
                    out.add(Math.pow(10, lo));
                    out.add(Math.pow(10, hi));
                }
                return out;
            }
            double step = niceStep((hi - lo) / 5);
            for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
                out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
            }
            return out;
        }
    }

    static List<Long> stepTicks(long min, long max) {
        double step = Math.max(1, niceStep((max - min) / 6.0));
        long s = (long) Math.ceil(step);
        List<Long> out = new ArrayList<>();
        for (long t = ((min + s - 1) / s) * s; t <= max; t += s) {
            out.add(t);
        }
        return out;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    static String formatLoss(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e4 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.0e", v);
        }
        String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 ? "%.2f" : "%.4f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private enum Align { LEFT_TOP, RIGHT_MIDDLE, CENTER_TOP, CENTER_MIDDLE }

    /** Draws text if the JVM can render fonts; silently skips it where it cannot (headless image without fonts). */
    private static void label(Graphics2D g, Color color, String text, int x, int y, Align align) {
        try {
            g.setColor(color);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();
            int w = fm.stringWidth(text);
            int ascent = fm.getAscent();
            int dx = switch (align) {
                case LEFT_TOP -> 0;
                case RIGHT_MIDDLE -> -w;
                case CENTER_TOP, CENTER_MIDDLE -> -w / 2;
            };
            int dy = switch (align) {
                case LEFT_TOP, CENTER_TOP -> ascent;
                case RIGHT_MIDDLE, CENTER_MIDDLE -> ascent / 2 - 1;
            };
            g.drawString(text, x + dx, y + dy);
        } catch (RuntimeException | LinkageError | InternalError e) {
            // No usable font (e.g. no fontconfig in a minimal image): the curve matters more than its labels.
        }
    }

    private static long min(long[] v) {
        long m = Long.MAX_VALUE;
        for (long a : v) {
            m = Math.min(m, a);
        }
        return m;
    }

    private static long max(long[] v) {
        long m = Long.MIN_VALUE;
        for (long a : v) {
            m = Math.max(m, a);
        }
        return m;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double a : v) {
            m = Math.min(m, a);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double a : v) {
            m = Math.max(m, a);
        }
        return m;
    }
}
