package dev.ncsn.sampler.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Chooses the per-pass sample budget from what forward passes cost: passes at batch 1, 2, 4, … and the largest
 * batch whose time per image still improved on half its size by at least {@code threshold}.
 *
 * <p>Each batch is timed {@code repeats} times and its fastest pass counts, since on a shared CPU interference
 * only ever adds time; a doubling that seems not to pay is timed again, taking turns with the batch before it,
 * before it is believed. The doubling stops at the first batch that does not pay (the budget is then the batch
 * before it), at {@code largest}, at a batch whose pass fails (out of memory on a GPU), or before a batch whose
 * passes would take the measurement past {@code limitNanos} (predicted from the last size's fastest pass). A bigger
 * batch never costs throughput while it still gets cheaper per image; what it costs is the time of one step of
 * every job in it, which is why doublings that buy little are not taken.
 */
public final class BatchCalibration {

    /** One forward pass of {@code batch} images, timed. */
    @FunctionalInterface
    public interface PassCost {
        /** Runs one pass and returns what it cost in nanoseconds (wall time, or the CPU time of the pass). */
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
     * @param spentNanos the measurement's time, on the bounding clock
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
     * @param limitNanos the most time the measurement may take, on the clock given to {@link #calibrate}
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

    /** Bounded by the wall clock. */
    public Result calibrate(PassCost cost) {
        return calibrate(cost, System::nanoTime);
    }

    /**
     * @param clock what bounds the measurement ({@code limitNanos}); the costs the passes report may be another
     *              clock (a thread's CPU time), which is why it is separate
     */
    public Result calibrate(PassCost cost, LongSupplier clock) {
        long begin = clock.getAsLong();
        List<Point> points = new ArrayList<>();
        Point previous = null;
        long previousWall = 0; // the clock's time for the last size's fastest pass
        for (int batch = 1; ; batch *= 2) {
            long elapsed = clock.getAsLong() - begin;
            if (batch > largest || batch <= 0) {
                return new Result(previous.batch(), points, "the largest batch tried", elapsed);
            }
            // Passes of twice the batch take at most about twice as long: stop before the bound, not after it.
            if (previous != null && elapsed + 2 * previousWall * repeats > limitNanos) {
                return new Result(previous.batch(), points, "the calibration time bound", elapsed);
            }
            long best = Long.MAX_VALUE;
            try {
                // The fastest pass's time predicts the next size's (the first pass at a size may include
                // one-off costs: kernels chosen, memory allocated).
                long wall = Long.MAX_VALUE;
                for (int r = 0; r < repeats; r++) {
                    long passStart = clock.getAsLong();
                    best = Math.min(best, cost.nanos(batch));
                    wall = Math.min(wall, clock.getAsLong() - passStart);
                }
                if (previous != null && !pays(previous.nanos(), best, batch)
                        && clock.getAsLong() - begin + (previousWall + wall) * repeats <= limitNanos) {
                    // Before stopping, time both sizes again, taking turns, so that a busy moment of the device
                    // that fell on one of them does not decide (the fastest of all passes counts).
                    long again = previous.nanos();
                    for (int r = 0; r < repeats; r++) {
                        again = Math.min(again, cost.nanos(previous.batch()));
                        best = Math.min(best, cost.nanos(batch));
                    }
                    previous = new Point(previous.batch(), again);
                    points.set(points.size() - 1, previous);
                }
                previousWall = wall;
            } catch (RuntimeException | OutOfMemoryError e) {
                return new Result(previous == null ? 1 : previous.batch(), points,
                        "a pass of " + batch + " failed (" + e + ")", clock.getAsLong() - begin);
            }
            Point point = new Point(batch, best);
            points.add(point);
            if (previous != null && !pays(previous.nanos(), best, batch)) {
                double change = point.nanosPerImage() / previous.nanosPerImage() - 1;
                return new Result(previous.batch(), points, String.format(Locale.ROOT,
                        "%d images per pass, where the time per image changed by %+.1f %% (less than -%.0f %%)",
                        batch, 100 * change, 100 * threshold), clock.getAsLong() - begin);
            }
            previous = point;
        }
    }

    /** Whether a pass of {@code batch} images (twice the last) cut the time per image by the threshold. */
    private boolean pays(long halfNanos, long nanos, int batch) {
        return (double) nanos / batch <= (double) halfNanos / (batch / 2) * (1 - threshold);
    }
}
