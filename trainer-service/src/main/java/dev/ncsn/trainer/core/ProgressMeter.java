package dev.ncsn.trainer.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A run's progress as a person follows it: step, loss (last and smoothed), steps per second over the last
 * {@value #WINDOW_SECONDS} s, and the time left for the current segment at that rate. Thread-safe: the training
 * thread writes, the API and metrics read.
 */
public final class ProgressMeter {

    static final int WINDOW_SECONDS = 30;
    private static final long WINDOW_NANOS = WINDOW_SECONDS * 1_000_000_000L;
    private static final double SMOOTHING = 0.98;

    /**
     * @param stepsPerSecond NaN until two steps have been timed
     * @param etaSeconds     time left for the current segment, NaN while the rate is unknown
     */
    public record Snapshot(long step, long targetStep, double loss, double smoothedLoss, double stepsPerSecond,
                           double etaSeconds) {
    }

    private final ArrayDeque<long[]> recent = new ArrayDeque<>();
    private long step;
    private long target;
    private double loss = Double.NaN;
    private double smoothed = Double.NaN;

    /** A segment starts or resumes at {@code step}, aiming for {@code target}; the rate starts over. */
    public synchronized void begin(long atStep, long targetStep) {
        step = atStep;
        target = targetStep;
        recent.clear();
        recent.addLast(new long[] {System.nanoTime(), atStep});
    }

    /** The step that brought the counter to {@code atStep} had this loss. */
    public synchronized void stepped(long atStep, double stepLoss) {
        step = atStep;
        loss = stepLoss;
        if (Double.isFinite(stepLoss)) {
            smoothed = Double.isNaN(smoothed) ? stepLoss : SMOOTHING * smoothed + (1 - SMOOTHING) * stepLoss;
        }
        long now = System.nanoTime();
        recent.addLast(new long[] {now, atStep});
        while (recent.size() > 2 && now - recent.peekFirst()[0] > WINDOW_NANOS) {
            recent.removeFirst();
        }
    }

    public synchronized Snapshot snapshot() {
        double rate = Double.NaN;
        if (recent.size() >= 2) {
            long[] first = recent.peekFirst();
            long[] last = recent.peekLast();
            double seconds = (last[0] - first[0]) / 1e9;
            if (seconds > 0) {
                rate = (last[1] - first[1]) / seconds;
            }
        }
        double eta = rate > 0 ? Math.max(0, target - step) / rate : Double.NaN;
        return new Snapshot(step, target, loss, smoothed, rate, eta);
    }

    public synchronized double smoothedLoss() {
        return smoothed;
    }

    /** "step 120/1000 loss 0.0412 (avg 0.0450) 3.10 steps/s ETA 4m43s" */
    public String line() {
        Snapshot s = snapshot();
        return String.format(Locale.ROOT, "step %d/%d loss %.4f (avg %.4f) %s steps/s ETA %s", s.step(),
                s.targetStep(), s.loss(), s.smoothedLoss(),
                Double.isNaN(s.stepsPerSecond()) ? "?" : String.format(Locale.ROOT, "%.2f", s.stepsPerSecond()),
                Double.isNaN(s.etaSeconds()) ? "?" : duration(s.etaSeconds()));
    }

    static String duration(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        if (d.toHours() > 0) {
            return String.format(Locale.ROOT, "%dh%02dm", d.toHours(), d.toMinutesPart());
        }
        if (d.toMinutes() > 0) {
            return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
        }
        return d.getSeconds() + "s";
    }
}
