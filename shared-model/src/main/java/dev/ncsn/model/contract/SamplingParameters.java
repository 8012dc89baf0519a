package dev.ncsn.model.contract;

import dev.ncsn.model.sampling.Dynamics;
import dev.ncsn.model.sampling.SamplingSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The sampling fields every request shares, with their defaults and bounds. Optional fields may be null
 * (JSON: absent) and then take the default.
 */
public record SamplingParameters(
        int count,
        Long seed,
        Integer stepsPerLevel,
        Double stepSize,
        Integer frameEvery,
        Boolean denoisedPreview,
        Boolean finalDenoise) {

    public static final int MAX_COUNT = 64;
    public static final int MAX_STEPS_PER_LEVEL = 1000;
    public static final double MAX_STEP_SIZE = 1e-2;
    /**
     * Frames per noise level at most (a frame every {@code frameEvery} steps, and at each level's last step): one
     * request must not push thousands of full-size frames into Kafka. With ten levels, at most 500 frames a job.
     */
    public static final int MAX_FRAMES_PER_LEVEL = 50;
    /** count × stepsPerLevel at most: the work one job may ask of a worker, e.g. 64 images × 500 steps. */
    public static final int MAX_SAMPLE_STEPS = 32_000;

    /** Problems with these values, one sentence each; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (count < 1 || count > MAX_COUNT) {
            problems.add("count must be between 1 and " + MAX_COUNT + ", got " + count);
        }
        if (stepsPerLevel != null && (stepsPerLevel < 1 || stepsPerLevel > MAX_STEPS_PER_LEVEL)) {
            problems.add("stepsPerLevel must be between 1 and " + MAX_STEPS_PER_LEVEL + ", got " + stepsPerLevel);
        }
        if (stepSize != null && !(stepSize > 0 && stepSize <= MAX_STEP_SIZE)) {
            problems.add("stepSize must be in (0, " + MAX_STEP_SIZE + "], got " + stepSize);
        }
        if (frameEvery != null && frameEvery < 1) {
            problems.add("frameEvery must be at least 1, got " + frameEvery);
        }
        int steps = stepsPerLevelOrDefault();
        if (steps >= 1 && steps <= MAX_STEPS_PER_LEVEL) {
            int leastFrameEvery = (steps + MAX_FRAMES_PER_LEVEL - 1) / MAX_FRAMES_PER_LEVEL;
            if (frameEvery != null && frameEvery >= 1 && frameEvery < leastFrameEvery) {
                problems.add("frameEvery must be at least " + leastFrameEvery + " with " + steps
                        + " steps per level (at most " + MAX_FRAMES_PER_LEVEL + " frames per level), got " + frameEvery);
            }
            if (count >= 1 && count <= MAX_COUNT && (long) count * steps > MAX_SAMPLE_STEPS) {
                problems.add("count × stepsPerLevel must be at most " + MAX_SAMPLE_STEPS + ", got " + count + " × "
                        + steps + " = " + (long) count * steps);
            }
        }
        return problems;
    }

    public int stepsPerLevelOrDefault() {
        return stepsPerLevel == null ? SamplingSpec.PAPER_STEPS_PER_LEVEL : stepsPerLevel;
    }

    /** Default: one frame every 10 steps, so a browser sees the picture move without a flood of frames. */
    public int frameEveryOrDefault() {
        return frameEvery == null ? Math.max(1, stepsPerLevelOrDefault() / 10) : frameEvery;
    }

    public boolean denoisedPreviewOrDefault() {
        return denoisedPreview != null && denoisedPreview;
    }

    /**
     * The sampler's spec for an image model; a missing seed is drawn from the job id, so a rerun of the same
     * job (after a worker died) produces the same samples.
     */
    public SamplingSpec toSpec(String jobId) {
        long s = seed != null ? seed : jobId.hashCode() * 0x9E3779B97F4A7C15L;
        return new SamplingSpec(count, s, stepsPerLevelOrDefault(),
                stepSize == null ? SamplingSpec.REFERENCE_EPSILON : stepSize, Dynamics.ANNEALED,
                finalDenoise != null && finalDenoise, frameEveryOrDefault(), 0.0, 1.0);
    }
}
