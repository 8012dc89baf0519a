package dev.ncsn.sampler.config;

import java.time.Duration;
import java.util.Locale;

/**
 * How many images one shared forward pass may hold: the per-pass sample budget ({@code ncsn.sampler.batch.*}).
 * It is what the hardware gains from batching, so it is either measured on the loaded network at start-up (and
 * again when a hot reload changes the network's shape) or set per device.
 *
 * @param budget          images per pass, or {@link #AUTO} (0) to measure it
 * @param threshold       auto: a batch twice as large is taken only when it cuts the time per image by at least this
 *                        fraction (0.05: 5 %)
 * @param calibrationTime auto: the most time the measuring passes of one network shape may take
 * @param largest         auto: the largest batch tried
 * @param lanes           threads each shared pass is split over ({@code dev.ncsn.model.sampling.PassLanes}), or
 *                        {@link #AUTO} (0): on the CPU one per core, each with one PyTorch thread; on a GPU one
 */
public record BatchSettings(int budget, double threshold, Duration calibrationTime, int largest, int lanes) {

    /** The budget value that asks for a measurement. */
    public static final int AUTO = 0;
    /**
     * A doubling must buy at least 5 % per image. Lower keeps doubling for gains lost in the noise of a shared CPU;
     * higher stops where a doubling still gives real throughput (on the 2 cores here, the compact network's 32 ran
     * 6.6 % faster per image than 16 in one calibration, so 10 % would have stopped at 16).
     */
    public static final double DEFAULT_THRESHOLD = 0.05;
    public static final Duration DEFAULT_CALIBRATION_TIME = Duration.ofSeconds(5);
    public static final int DEFAULT_LARGEST = 1024;

    public BatchSettings {
        if (budget < 0) {
            throw new IllegalArgumentException("the batch budget must be auto or a positive number of images, got "
                    + budget);
        }
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("the batch threshold must be in [0, 1), got " + threshold);
        }
        if (calibrationTime == null || calibrationTime.isNegative() || calibrationTime.isZero()) {
            throw new IllegalArgumentException("the calibration time must be positive, got " + calibrationTime);
        }
        if (largest < 1) {
            throw new IllegalArgumentException("the largest batch must be positive, got " + largest);
        }
        if (lanes < 0) {
            throw new IllegalArgumentException("the pass lanes must be auto or a positive number, got " + lanes);
        }
    }

    /** Measured, with the defaults. */
    public static BatchSettings auto() {
        return new BatchSettings(AUTO, DEFAULT_THRESHOLD, DEFAULT_CALIBRATION_TIME, DEFAULT_LARGEST, AUTO);
    }

    /** A budget set for the device: no measurement. */
    public static BatchSettings fixed(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("a fixed batch budget must be positive, got " + images);
        }
        return new BatchSettings(images, DEFAULT_THRESHOLD, DEFAULT_CALIBRATION_TIME, DEFAULT_LARGEST, AUTO);
    }

    /** {@code auto} or a positive number of images, as configured. */
    public static int parseBudget(String value) {
        return parseAutoOrPositive(value, "ncsn.sampler.batch.budget", "a positive number of images");
    }

    /** {@code auto} or a positive number of lanes, as configured. */
    public static int parseLanes(String value) {
        return parseAutoOrPositive(value, "ncsn.sampler.batch.lanes", "a positive number of threads");
    }

    private static int parseAutoOrPositive(String value, String key, String what) {
        String v = value == null ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return AUTO;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be auto or " + what + ", not '" + value + "'");
    }

    public boolean isAuto() {
        return budget == AUTO;
    }

    public BatchSettings withCalibrationTime(Duration time) {
        return new BatchSettings(budget, threshold, time, largest, lanes);
    }

    public BatchSettings withLargest(int batch) {
        return new BatchSettings(budget, threshold, calibrationTime, batch, lanes);
    }

    public BatchSettings withLanes(int count) {
        return new BatchSettings(budget, threshold, calibrationTime, largest, count);
    }

    @Override
    public String toString() {
        return (isAuto() ? "auto (threshold " + threshold + ", up to " + largest + " images, " + calibrationTime + ")"
                : budget + " images") + ", lanes " + (lanes == AUTO ? "auto" : String.valueOf(lanes));
    }
}
