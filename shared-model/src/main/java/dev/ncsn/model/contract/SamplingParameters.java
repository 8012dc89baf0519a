package dev.ncsn.model.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ncsn.model.sampling.Sampler;
import dev.ncsn.model.sampling.SamplingDefaults;
import dev.ncsn.model.sampling.Samplers;
import dev.ncsn.model.sampling.SamplingSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling fields every request carries, embedded as {@code "parameters"} in both request types: the one
 * definition of them. Optional fields may be null (JSON: absent) and then take the default.
 * <pre>{"count":16,"seed":42,"sampler":"predictor-corrector","samplerOptions":{"snr":0.16,"correctorSteps":1},
 *  "stepsPerLevel":10,"stepSize":4.0E-5,"frameEvery":1,"denoisedPreview":false,"finalDenoise":false}</pre>
 *
 * @param count           images to sample, 1..{@value #MAX_COUNT}
 * @param seed            seeds every random number of the job; default: drawn from the job id
 * @param sampler         a name {@link Samplers} knows; default {@value Samplers#DEFAULT}
 * @param samplerOptions  the sampler's own options by name (numbers or booleans); absent ones take its defaults
 * @param stepsPerLevel   T, the sampler's steps at each noise level; default: the serving model's
 *                        ({@link SamplingDefaults}: 100 for NCSN, 5 for NCSNv2)
 * @param stepSize        ε of Algorithm 1 (samplers with Langevin steps); default: the serving model's (4·10⁻⁵ for
 *                        NCSN, Technique 4's ε for T = 5 on its own levels for NCSNv2)
 * @param levels          noise levels to sample through; default the model's trained levels (others need a model
 *                        that accepts any σ)
 * @param frameEvery      a frame every this many steps (and at each level's last step); default stepsPerLevel / 10
 * @param denoisedPreview frames also carry the denoised estimate x + σ²·s(x, σ); default false
 * @param finalDenoise    NCSNv2's noise-free last step after the sampler; default: the serving model's (on for
 *                        NCSNv2, off for NCSN)
 */
public record SamplingParameters(
        int count,
        Long seed,
        String sampler,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> samplerOptions,
        Integer stepsPerLevel,
        Double stepSize,
        Integer levels,
        Integer frameEvery,
        Boolean denoisedPreview,
        Boolean finalDenoise) {

    public static final int MAX_COUNT = 64;
    public static final int MAX_STEPS_PER_LEVEL = 1000;
    public static final int MAX_LEVELS = 1000;
    public static final double MAX_STEP_SIZE = 1e-2;
    /**
     * Frames per noise level at most (a frame every {@code frameEvery} steps, and at each level's last step): one
     * request must not push thousands of full-size frames into Kafka. With ten levels, at most 500 frames a job.
     */
    public static final int MAX_FRAMES_PER_LEVEL = 50;
    /** count × stepsPerLevel at most: the work one job may ask of a worker, e.g. 64 images × 500 steps. */
    public static final int MAX_SAMPLE_STEPS = 32_000;
    /**
     * count × network evaluations at most, checked where the model's levels are known (the worker): the same work
     * as {@link #MAX_SAMPLE_STEPS} over ten levels, whatever the sampler (corrector steps multiply it).
     */
    public static final int MAX_SAMPLE_EVALUATIONS = 10 * MAX_SAMPLE_STEPS;

    public SamplingParameters {
        samplerOptions = samplerOptions == null ? null : new LinkedHashMap<>(samplerOptions);
    }

    /** The paper's sampler (the default) with these fields. */
    public SamplingParameters(int count, Long seed, Integer stepsPerLevel, Double stepSize, Integer frameEvery,
                              Boolean denoisedPreview, Boolean finalDenoise) {
        this(count, seed, null, null, stepsPerLevel, stepSize, null, frameEvery, denoisedPreview, finalDenoise);
    }

    /** The paper's sampler with every default. */
    public static SamplingParameters defaults(int count) {
        return new SamplingParameters(count, null, null, null, null, null, null, null, null, null);
    }

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
        if (levels != null && (levels < 1 || levels > MAX_LEVELS)) {
            problems.add("levels must be between 1 and " + MAX_LEVELS + ", got " + levels);
        }
        if (frameEvery != null && frameEvery < 1) {
            problems.add("frameEvery must be at least 1, got " + frameEvery);
        }
        // Without T the serving model's default applies, known where the model is (the worker's toSpec checks it);
        // every default keeps within these bounds (frames every T/10 steps, T ≤ 100).
        if (stepsPerLevel != null && stepsPerLevel >= 1 && stepsPerLevel <= MAX_STEPS_PER_LEVEL) {
            problems.addAll(stepProblems(stepsPerLevel));
        }
        try {
            samplerOrDefault();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    public String samplerNameOrDefault() {
        return sampler == null ? Samplers.DEFAULT : sampler;
    }

    /** The sampler with its options; IllegalArgumentException naming an unknown sampler or option. */
    public Sampler samplerOrDefault() {
        return Samplers.create(samplerNameOrDefault(), samplerOptions);
    }

    /** What T allows: frames per level, and the work count × T. */
    private List<String> stepProblems(int steps) {
        List<String> problems = new ArrayList<>();
        int leastFrameEvery = (steps + MAX_FRAMES_PER_LEVEL - 1) / MAX_FRAMES_PER_LEVEL;
        if (frameEvery != null && frameEvery >= 1 && frameEvery < leastFrameEvery) {
            problems.add("frameEvery must be at least " + leastFrameEvery + " with " + steps
                    + " steps per level (at most " + MAX_FRAMES_PER_LEVEL + " frames per level), got " + frameEvery);
        }
        if (count >= 1 && count <= MAX_COUNT && (long) count * steps > MAX_SAMPLE_STEPS) {
            problems.add("count × stepsPerLevel must be at most " + MAX_SAMPLE_STEPS + ", got " + count + " × "
                    + steps + " = " + (long) count * steps);
        }
        return problems;
    }

    public boolean denoisedPreviewOrDefault() {
        return denoisedPreview != null && denoisedPreview;
    }

    /**
     * The sampler's spec for an image model; a missing seed is drawn from the job id, so a rerun of the same
     * job (after a worker died) produces the same samples, and missing T, ε and finalDenoise are the serving
     * model's ({@code ScoreNetworks.samplingDefaults}). IllegalArgumentException when a value is invalid.
     */
    public SamplingSpec toSpec(String jobId, SamplingDefaults defaults) {
        long s = seed != null ? seed : jobId.hashCode() * 0x9E3779B97F4A7C15L;
        SamplingDefaults chosen = defaults.overriddenBy(stepsPerLevel, stepSize, finalDenoise);
        int steps = chosen.stepsPerLevel();
        List<String> problems = stepProblems(steps);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new SamplingSpec(count, s, samplerOrDefault(), steps, chosen.stepSize(), levels == null ? 0 : levels,
                chosen.finalDenoise(), frameEvery != null ? frameEvery : SamplingDefaults.frameEveryFor(steps),
                0.0, 1.0);
    }
}
