package dev.ncsn.sampler.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Chooses the per-pass sample budget from what forward passes cost: passes at batch 1, 2, 4, … and the largest
 * batch whose time per image still improved on half its size by at least {@code threshold}.
 *
 * <p>Each batch is timed {@code repeats} times and its fastest pass counts, since on a shared CPU interference
 * only ever adds time; a doubling that seems not to pay is timed again, taking turns with the batch before it,
 * before it is believed. The doubling stops at the first batch that does not pay (the budget is then the batch
 * before it), at {@code largest}, at a batch whose pass fails (out of memory on a GPU), or before a batch whose
 * passes would take the measurement past {@code limitNanos} (counted as the passes' own time, so the bound holds
 * whatever the cost curve). A bigger batch never costs throughput while it still gets cheaper per image; what it
 * costs is the time of one step of every job in it, which is why doublings that buy little are not taken.
 */
public final class BatchCalibration {

    /** One forward pass of {@code batch} images, timed. */
    @FunctionalInterface
    public interface PassCost {
        /** Runs one pass and returns its duration in nanoseconds. */
        long nanos(int batch);
    }

    /** The fastest of the passes timed at one batch size. */
    public record Point(int batch, long nanos) {
        public double nanosPerImage() {
            return (double) nanos / batch;
        }
    }

    /**
     * @param budget images per pass
     * @param points what was measured, in batch order
     * @param why    why the doubling stopped, one phrase
     * @param spentNanos time of all timed passes
     */
    public record Result(int budget, List<Point> points, String why, long spentNanos) {

        public Result {
            points = List.copyOf(points);
        }

        /** "1: 23.1, 2: 12.4, … ms per image": the measured curve, for the log. */
        public String curve() {
            return points.stream().map(p -> String.format(Locale.ROOT, "%d: %.2f", p.batch(), p.nanosPerImage() / 1e6))
                    .collect(Collectors.joining(", ", "", " ms per image"));
        }
    }

    private final double threshold;
    private final long limitNanos;
    private final int largest;
    private final int repeats;

    /**
     * @param threshold  fraction by which the time per image must drop from batch b to 2b for 2b to be taken
     * @param limitNanos the most time the timed passes may take together
     * @param largest    the largest batch tried
     * @param repeats    passes timed per batch size (the fastest counts)
     */
    public BatchCalibration(double threshold, long limitNanos, int largest, int repeats) {
        if (!(threshold >= 0 && threshold < 1) || limitNanos <= 0 || largest < 1 || repeats < 1) {
            throw new IllegalArgumentException("threshold in [0, 1), positive limit, largest and repeats expected");
        }
        this.threshold = threshold;
        this.limitNanos = limitNanos;
        this.largest = largest;
        this.repeats = repeats;
    }

    public Result calibrate(PassCost cost) {
        List<Point> points = new ArrayList<>();
        long spent = 0;
        Point previous = null;
        for (int batch = 1; ; batch *= 2) {
            if (batch > largest || batch <= 0) {
                return new Result(previous.batch(), points, "the largest batch tried", spent);
            }
            // A pass of twice the batch takes at most about twice as long: stop before the bound, not after it.
            if (previous != null && spent + 2 * previous.nanos() * repeats > limitNanos) {
                return new Result(previous.batch(), points, "the calibration time bound", spent);
            }
            long best = Long.MAX_VALUE;
            try {
                for (int r = 0; r < repeats; r++) {
                    long t = cost.nanos(batch);
                    spent += t;
                    best = Math.min(best, t);
                }
                if (previous != null && !pays(previous.nanos(), best, batch)
                        && spent + (previous.nanos() + best) * repeats <= limitNanos) {
                    // Before stopping, time both sizes again, taking turns, so that a busy moment of the device
                    // that fell on one of them does not decide (the fastest of all passes counts).
                    long again = previous.nanos();
                    for (int r = 0; r < repeats; r++) {
                        long t = cost.nanos(previous.batch());
                        spent += t;
                        again = Math.min(again, t);
                        t = cost.nanos(batch);
                        spent += t;
                        best = Math.min(best, t);
                    }
                    previous = new Point(previous.batch(), again);
                    points.set(points.size() - 1, previous);
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                return new Result(previous == null ? 1 : previous.batch(), points,
                        "a pass of " + batch + " failed (" + e + ")", spent);
            }
            Point point = new Point(batch, best);
            points.add(point);
            if (previous != null && !pays(previous.nanos(), best, batch)) {
                double change = point.nanosPerImage() / previous.nanosPerImage() - 1;
                return new Result(previous.batch(), points, String.format(Locale.ROOT,
                        "%d images per pass, where the time per image changed by %+.1f %% (less than -%.0f %%)",
                        batch, 100 * change, 100 * threshold), spent);
            }
            previous = point;
        }
    }

    /** Whether a pass of {@code batch} images (twice the last) cut the time per image by the threshold. */
    private boolean pays(long halfNanos, long nanos, int batch) {
        return (double) nanos / batch <= (double) halfNanos / (batch / 2) * (1 - threshold);
    }
}
